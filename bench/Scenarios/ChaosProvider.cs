using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The payment provider stand-in as the chaos bench uses it: the fault switch (replaced whole on every PUT, so the
/// latency goes with each one), its traffic counter and its ledger, the source of truth for what was charged.
/// </summary>
public sealed class ChaosProvider(HttpClient client, string apiKey)
{
    public static async Task<ChaosProvider> CreateAsync(BenchContext context, PlatformFixture platform, CancellationToken cancellationToken)
    {
        var parameter = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>().Single(p => p.Name == "payment-provider-api-key");
        var key = await parameter.GetValueAsync(cancellationToken)
            ?? throw new InvalidOperationException("The AppHost parameter payment-provider-api-key has no value.");
        return new ChaosProvider(context.CreateClient("payment-provider"), key);
    }

    /// <summary>A fault <paramref name="mode"/> for the next <paramref name="count"/> POSTs it acts on (null mode: none).</summary>
    public Task<JsonObject> SetFaultsAsync(string? mode, int? count, int latencyMs, CancellationToken cancellationToken) =>
        SendAsync(
            HttpMethod.Put,
            "v1/test/faults",
            new JsonObject { ["mode"] = mode ?? "none", ["count"] = count, ["latency_ms"] = latencyMs, ["retry_after_s"] = 1 },
            cancellationToken);

    public Task<JsonObject> FaultsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "v1/test/faults", null, cancellationToken);

    /// <summary>Payment API calls since the provider started (or the last reset): a restart starts it from zero.</summary>
    public async Task<long> RequestsAsync(CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/test/stats", null, cancellationToken))["requests"]!.GetValue<long>();

    /// <summary>Every captured charge and every refund, as the provider recorded them (created: unix seconds).</summary>
    public async Task<(List<(string Reference, long Amount, long Created)> Charges, List<(string Reference, long Amount, long Created)> Refunds)> LedgerAsync(
        CancellationToken cancellationToken)
    {
        var ledger = await SendAsync(HttpMethod.Get, "v1/ledger", null, cancellationToken);
        static List<(string, long, long)> Entries(JsonNode? entries) =>
            [.. entries!.AsArray().Select(e => (e?["order_reference"]?.GetValue<string>() ?? "", e!["amount"]!.GetValue<long>(), e["created"]!.GetValue<long>()))];
        return (Entries(ledger["charges"]), Entries(ledger["refunds"]));
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = BenchIdentity.Authorized(method, path, apiKey, body is null ? null : JsonContent.Create(body));
        using var response = await client.SendAsync(request, cancellationToken);
        await DemoCatalog.EnsureSuccessAsync(response, $"Provider {method} {path}", cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken) ?? throw new JsonException($"Provider {method} {path}: no body");
    }
}
