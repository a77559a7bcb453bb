using System.Globalization;
using System.Text.Json;

namespace AspireShop.Infrastructure.PaymentProvider.Apis;

/// <summary>
/// An answer as status and JSON text: the form an idempotent response is stored in, so a replay is byte for byte the
/// first answer.
/// </summary>
public sealed record ApiResult(int StatusCode, string Json) : IResult, IStatusCodeHttpResult
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public bool Replayed { get; init; }

    public int? RetryAfterSeconds { get; init; }

    public static ApiResult Ok<T>(T body) => new(StatusCodes.Status200OK, JsonSerializer.Serialize(body, ProviderJson.Options));

    public static ApiResult Error(int statusCode, ApiError error) =>
        new(statusCode, JsonSerializer.Serialize(new ErrorEnvelope(error), ProviderJson.Options));

    public static ApiResult InvalidRequest(string? param, string message, string? code = null, int statusCode = StatusCodes.Status400BadRequest) =>
        Error(statusCode, new ApiError { Type = ErrorTypes.InvalidRequest, Code = code, Param = param, Message = message });

    public static ApiResult ResourceMissing(string param, string kind, string id) =>
        InvalidRequest(param, $"No such {kind}: '{id}'", "resource_missing", StatusCodes.Status404NotFound);

    public static ApiResult ApiFailure() => Error(StatusCodes.Status500InternalServerError, new ApiError
    {
        Type = ErrorTypes.Api,
        Message = "An error occurred with our connection to the provider (injected fault).",
    });

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        if (Replayed)
        {
            response.Headers[ReplayedHeader] = "true";
        }

        if (RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await response.WriteAsync(Json, httpContext.RequestAborted);
    }
}

public static class ErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Card = "card_error";
    public const string Idempotency = "idempotency_error";
    public const string RateLimit = "rate_limit_error";
    public const string Api = "api_error";
}
