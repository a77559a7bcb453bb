using System.Net;
using System.Text.Json;
using AspireShop.ServiceDefaults.Http;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace AspireShop.WebApp.Services;

/// <summary>
/// What an API said went wrong (its ProblemDetails: title, detail, field errors), or that it could not be reached,
/// in a shape pages show as-is with <c>&lt;ProblemAlert&gt;</c> and <c>&lt;FieldError&gt;</c>.
/// </summary>
public sealed record ApiProblem(int Status, string Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>The messages for one field (matched case-insensitively, e.g. <c>email</c> or <c>variants[0].price</c>).</summary>
    public IReadOnlyList<string> For(string field) =>
        Errors.FirstOrDefault(pair => string.Equals(pair.Key, field, StringComparison.OrdinalIgnoreCase)).Value ?? [];

    public static ApiProblem Unavailable(string what) =>
        new((int)HttpStatusCode.ServiceUnavailable, $"{what} is not available right now.", "Please try again in a moment.", NoErrors);

    /// <summary>Reads a failed response's ProblemDetails; a body that is not one still gives a title from the status.</summary>
    public static async Task<ApiProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var status = (int)response.StatusCode;
        string? title = null, detail = null;
        var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                title = root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in e.EnumerateObject())
                    {
                        errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                            ? [.. field.Value.EnumerateArray().Select(message => message.ToString())]
                            : [field.Value.ToString()];
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's error page, an empty body): the status alone has to do.
        }

        return new ApiProblem(status, title ?? DefaultTitle(status), detail, errors);
    }

    /// <summary>True for what a page should show as "not available" rather than crash on.</summary>
    public static bool IsUnavailable(Exception ex) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or RateLimiterRejectedException
        || (ex is TaskCanceledException && ex.InnerException is TimeoutException);

    private static string DefaultTitle(int status) => status switch
    {
        400 => "The request was not valid.",
        401 => "Please sign in again.",
        403 => "You are not allowed to do that.",
        404 => "Not found.",
        409 => "That conflicts with the current state; reload and try again.",
        429 => "Too many requests; please wait a moment.",
        >= 500 => "Something went wrong on our side. Please try again.",
        _ => $"The request failed ({status}).",
    };
}

/// <summary>Thrown by the typed clients for a non-success answer; pages catch it and show <see cref="Problem"/>.</summary>
public sealed class ApiProblemException(ApiProblem problem) : Exception(problem.Title)
{
    public ApiProblem Problem { get; } = problem;
}

public static class ApiResponses
{
    /// <summary>Throws <see cref="ApiProblemException"/> unless the answer is a success.</summary>
    public static async Task EnsureSuccessAsync(this HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new ApiProblemException(await ApiProblem.ReadAsync(response, cancellationToken));
        }
    }

    /// <summary>The JSON body of a success, else <see cref="ApiProblemException"/>.</summary>
    public static async Task<T> ReadJsonAsync<T>(this HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        await response.EnsureSuccessAsync(cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
            ?? throw new ApiProblemException(new ApiProblem((int)response.StatusCode, "The answer was empty.", null, new Dictionary<string, string[]>()));
    }

    /// <summary>A POST that may be retried safely: the resilience pipeline replays unsafe requests only with this header.</summary>
    public static HttpRequestMessage WithIdempotencyKey(this HttpRequestMessage request, string key)
    {
        request.Headers.Add(ResiliencePolicy.IdempotencyKeyHeader, key);
        return request;
    }
}
