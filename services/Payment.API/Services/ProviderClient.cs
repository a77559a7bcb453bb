using System.Net;
using System.Text.Json;
using AspireShop.ServiceDefaults.Http;
using Polly;

namespace AspireShop.Payment.API.Services;

/// <summary>How a provider call ended, as the payment's state machine needs to know it.</summary>
public enum ProviderOutcome
{
    Ok,

    /// <summary>402 <c>card_error</c>: the card was declined, nothing was captured.</summary>
    CardError,

    /// <summary>A 4xx that no retry can change (bad request, auth, not found, refund too large).</summary>
    Rejected,

    /// <summary>Timeout, reset, 5xx, 429, key in use, circuit open: the call may or may not have taken effect.</summary>
    Unknown,
}

/// <summary>A provider call's outcome; <c>RetryAfter</c> is the provider's <c>Retry-After</c> (a 429 or 503): no earlier ask is welcome.</summary>
public sealed record ProviderAnswer<T>(
    ProviderOutcome Outcome, T? Value, ProviderError? Error, string Detail, int? StatusCode = null, bool Replayed = false, TimeSpan? RetryAfter = null)
    where T : class
{
    /// <summary>
    /// A 400 <c>invalid_request_error</c>: the parameters were refused before anything executed (a reused key with other
    /// parameters is an <c>idempotency_error</c> instead), so the same request can never succeed.
    /// </summary>
    public bool IsInvalidRequest => StatusCode == 400 && Error?.Type == "invalid_request_error";
}

/// <summary>
/// The typed client of the external payment provider (Stripe's API shape). Every POST carries a deterministic
/// Idempotency-Key, and is never retried here (see <c>Extensions</c>): whatever did not clearly succeed or fail comes
/// back as <see cref="ProviderOutcome.Unknown"/>, so the caller records UNKNOWN and asks again later with the same key.
/// </summary>
public sealed partial class ProviderClient(HttpClient http, ILogger<ProviderClient> logger)
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    public Task<ProviderAnswer<PaymentIntent>> CreatePaymentIntentAsync(CreatePaymentIntentRequest request, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<PaymentIntent>(HttpMethod.Post, "v1/payment_intents", request, idempotencyKey, cancellationToken);

    public Task<ProviderAnswer<PaymentIntent>> GetPaymentIntentAsync(string id, CancellationToken cancellationToken) =>
        SendAsync<PaymentIntent>(HttpMethod.Get, $"v1/payment_intents/{Uri.EscapeDataString(id)}", null, null, cancellationToken);

    public Task<ProviderAnswer<ProviderList<PaymentIntent>>> FindPaymentIntentsAsync(Guid orderReference, CancellationToken cancellationToken) =>
        SendAsync<ProviderList<PaymentIntent>>(HttpMethod.Get, $"v1/payment_intents?order_reference={orderReference}", null, null, cancellationToken);

    public Task<ProviderAnswer<ProviderRefund>> CreateRefundAsync(CreateRefundRequest request, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<ProviderRefund>(HttpMethod.Post, "v1/refunds", request, idempotencyKey, cancellationToken);

    private async Task<ProviderAnswer<T>> SendAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ProviderJson.Options);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add(ResiliencePolicy.IdempotencyKeyHeader, idempotencyKey);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var replayed = response.Headers.TryGetValues(ReplayedHeader, out var values) && values.Contains("true", StringComparer.OrdinalIgnoreCase);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync<T>(ProviderJson.Options, cancellationToken)
                    ?? throw new JsonException("The provider answered with an empty body.");
                return new ProviderAnswer<T>(ProviderOutcome.Ok, value, null, $"{status}", status, replayed);
            }

            var error = await ReadErrorAsync(response, cancellationToken);
            var detail = $"{status} {error?.Type} {error?.Code}".TrimEnd();
            var outcome = response.StatusCode switch
            {
                HttpStatusCode.PaymentRequired => ProviderOutcome.CardError,
                // 409 is the first request with this key still in flight; 408/429/5xx say nothing about what happened.
                HttpStatusCode.Conflict or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => ProviderOutcome.Unknown,
                _ when status >= 500 => ProviderOutcome.Unknown,
                _ => ProviderOutcome.Rejected,
            };
            if (outcome == ProviderOutcome.Rejected)
            {
                LogRejected(method.Method, path, detail, error?.Message);
            }

            var retryAfter = response.Headers.RetryAfter is { } header
                ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
                : null;
            return new ProviderAnswer<T>(outcome, null, error, detail, status, replayed, retryAfter);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or ExecutionRejectedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Timeouts, resets, an open circuit, a full bulkhead or a garbled answer: the provider's state is unknown.
            LogUnanswered(method.Method, path, ex.GetType().Name, ex.Message);
            return new ProviderAnswer<T>(ProviderOutcome.Unknown, null, null, ex.GetType().Name);
        }
    }

    private static async Task<ProviderError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync<ProviderErrorEnvelope>(ProviderJson.Options, cancellationToken))?.Error;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            // A proxy's HTML error page says no more than its status code.
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Payment provider did not answer {Method} {Path}: {Error} {Message}")]
    private partial void LogUnanswered(string method, string path, string error, string message);

    [LoggerMessage(LogLevel.Error, "Payment provider rejected {Method} {Path}: {Detail} {Message}")]
    private partial void LogRejected(string method, string path, string detail, string? message);
}
