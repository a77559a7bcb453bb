using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Polly;

namespace AspireShop.WebApp.Services;

/// <summary>
/// Why an API call through the gateway did not succeed: the ProblemDetails the service answered (title, detail, field
/// errors keyed by the request's camelCase field names), or a made-up one when it answered nothing usable.
/// </summary>
public sealed record PortalProblem(int Status, string Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    public static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>The title and detail as one sentence for a message box.</summary>
    public string Message => string.IsNullOrWhiteSpace(Detail) || Detail == Title ? Title : $"{Title} {Detail}";

    public bool IsNotFound => Status == (int)HttpStatusCode.NotFound;

    public bool IsConflict => Status == (int)HttpStatusCode.Conflict;

    /// <summary>The messages for one field (exact name, case-insensitive), or none.</summary>
    public IEnumerable<string> ErrorsFor(string field) =>
        Errors.Where(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).SelectMany(e => e.Value);

    /// <summary>The exception's text names internal addresses; the traces of the HTTP client keep it for developers.</summary>
    public static PortalProblem Unreachable() =>
        new(0, "The service could not be reached; try again in a moment.", null, NoErrors);

    public static async Task<PortalProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        ProblemBody? body = null;
        try
        {
            if (response.Content.Headers.ContentLength is not 0)
            {
                body = await response.Content.ReadFromJsonAsync<ProblemBody>(PortalHttp.Json, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            // Not ProblemDetails (an HTML error page or an empty body): the status alone has to explain it.
        }

        return new PortalProblem(
            status,
            string.IsNullOrWhiteSpace(body?.Title) ? DefaultTitle(response.StatusCode) : body.Title,
            body?.Detail,
            body?.Errors ?? NoErrors);
    }

    private static string DefaultTitle(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "Your sign-in has expired; sign in again.",
        HttpStatusCode.Forbidden => "You are not allowed to do this.",
        HttpStatusCode.NotFound => "Not found.",
        HttpStatusCode.Conflict => "That conflicts with the current state; reload and try again.",
        HttpStatusCode.TooManyRequests => "Too many requests; wait a moment and try again.",
        HttpStatusCode.ServiceUnavailable => "The service is unavailable right now; try again in a moment.",
        _ => $"The request failed ({(int)status}).",
    };

    private sealed record ProblemBody(
        [property: JsonPropertyName("title")] string? Title,
        [property: JsonPropertyName("detail")] string? Detail,
        [property: JsonPropertyName("errors")] Dictionary<string, string[]>? Errors);
}

/// <summary>An API answer: the value on success, otherwise the <see cref="PortalProblem"/> to show.</summary>
public sealed record PortalResult<T>(T? Value, PortalProblem? Problem)
{
    public bool Succeeded => Problem is null;
}

public static class PortalResult
{
    public static PortalResult<T> Ok<T>(T value) => new(value, null);

    public static PortalResult<T> Failed<T>(PortalProblem problem) => new(default, problem);
}

/// <summary>Sends a request through the gateway and turns every outcome, even an unreachable gateway, into a <see cref="PortalResult{T}"/>.</summary>
public static class PortalHttp
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Task<PortalResult<T>> GetAsync<T>(this HttpClient http, string uri, CancellationToken cancellationToken) =>
        SendAsync<T>(http, new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken);

    public static Task<PortalResult<T>> PostAsync<T>(this HttpClient http, string uri, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(http, WithBody(HttpMethod.Post, uri, body), cancellationToken);

    public static Task<PortalResult<T>> PutAsync<T>(this HttpClient http, string uri, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(http, WithBody(HttpMethod.Put, uri, body), cancellationToken);

    public static async Task<PortalResult<T>> SendAsync<T>(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    return PortalResult.Failed<T>(await PortalProblem.ReadAsync(response, cancellationToken));
                }

                var value = await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
                return value is null
                    ? PortalResult.Failed<T>(new PortalProblem((int)response.StatusCode, "The service answered with an empty body.", null, PortalProblem.NoErrors))
                    : PortalResult.Ok(value);
            }
            // ExecutionRejectedException: the resilience pipeline's open circuit breaker or its timeout.
            catch (Exception ex) when (ex is HttpRequestException or JsonException or ExecutionRejectedException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return PortalResult.Failed<T>(PortalProblem.Unreachable());
            }
        }
    }

    /// <summary>Query string from the values that are set, escaped.</summary>
    public static string Query(params (string Name, object? Value)[] values)
    {
        var parts = values
            .Where(v => v.Value is not null && !(v.Value is string s && string.IsNullOrWhiteSpace(s)))
            .Select(v => $"{v.Name}={Uri.EscapeDataString(Convert.ToString(v.Value, System.Globalization.CultureInfo.InvariantCulture)!)}")
            .ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static HttpRequestMessage WithBody(HttpMethod method, string uri, object? body) => new(method, uri)
    {
        // An empty JSON object, not an absent body: minimal APIs reject a POST without a content type for a bound body.
        Content = JsonContent.Create(body ?? new { }, options: Json),
    };
}
