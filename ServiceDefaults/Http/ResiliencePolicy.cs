using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace AspireShop.ServiceDefaults.Http;

/// <summary>
/// The standard pipeline (rate limiter, total timeout, retry with jittered backoff, circuit breaker, attempt timeout),
/// with one change: an unsafe request is retried only when it carries an Idempotency-Key, because replaying a POST
/// without one can charge a card or reserve stock twice.
/// </summary>
public static class ResiliencePolicy
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private static readonly HashSet<HttpMethod> SafeMethods = [HttpMethod.Get, HttpMethod.Head, HttpMethod.Options, HttpMethod.Trace];

    public static void Configure(HttpStandardResilienceOptions options)
    {
        var shouldHandle = options.Retry.ShouldHandle;
        options.Retry.ShouldHandle = async args =>
        {
            if (!await shouldHandle(args).ConfigureAwait(false))
            {
                return false;
            }

            var request = args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage();
            return request is null || IsRetryable(request);
        };
    }

    public static bool IsRetryable(HttpRequestMessage request) =>
        SafeMethods.Contains(request.Method) || request.Headers.Contains(IdempotencyKeyHeader);
}
