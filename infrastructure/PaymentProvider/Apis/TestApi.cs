using System.Text.Json;
using AspireShop.Infrastructure.PaymentProvider.Testing;

namespace AspireShop.Infrastructure.PaymentProvider.Apis;

/// <summary>The switches tests and the dashboard use to make the provider misbehave, and the concurrency it saw.</summary>
public static class TestApi
{
    private const int MaxLatencyMs = 120_000;

    public static void MapTestApi(this RouteGroupBuilder v1)
    {
        var test = v1.MapGroup("/test");
        test.MapGet("/faults", (Faults faults) => ApiResult.Ok(faults.Current)).Produces<FaultSettings>();
        test.MapPut("/faults", SetFaultsAsync).Produces<FaultSettings>().Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest);
        test.MapDelete("/faults", (Faults faults) =>
        {
            faults.Clear();
            return ApiResult.Ok(faults.Current);
        }).Produces<FaultSettings>();
        test.MapGet("/stats", (TrafficStats stats) => ApiResult.Ok(stats.Snapshot())).Produces<StatsObject>();
        test.MapDelete("/stats", (TrafficStats stats) =>
        {
            stats.Reset();
            return ApiResult.Ok(stats.Snapshot());
        }).Produces<StatsObject>();
    }

    private static async Task<ApiResult> SetFaultsAsync(HttpRequest request, Faults faults, CancellationToken cancellationToken)
    {
        FaultSettings? settings;
        try
        {
            settings = await JsonSerializer.DeserializeAsync<FaultSettings>(request.Body, ProviderJson.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            return ApiResult.InvalidRequest(ex.Path, $"Invalid fault settings: {ex.Message}");
        }

        if (settings is null)
        {
            return ApiResult.InvalidRequest(null, "The request body must be a JSON object.");
        }

        if (settings.LatencyMs is < 0 or > MaxLatencyMs)
        {
            return ApiResult.InvalidRequest("latency_ms", $"latency_ms must be from 0 to {MaxLatencyMs}.");
        }

        if (settings.Count is < 1)
        {
            return ApiResult.InvalidRequest("count", "count must be at least 1, or null for until cleared.");
        }

        if (settings.RetryAfterS is < 0 or > 3600)
        {
            return ApiResult.InvalidRequest("retry_after_s", "retry_after_s must be from 0 to 3600.");
        }

        faults.Set(settings);
        return ApiResult.Ok(faults.Current);
    }
}
