namespace AspireShop.Payment.API.Extensions;

/// <summary><c>Payment</c>: how long a provider call may own a payment or refund before another worker takes over.</summary>
public sealed class PaymentOptions
{
    public const string Section = "Payment";

    /// <summary>
    /// Longer than a provider call can take (queue, attempts): a claim this old belongs to a worker that died, and the
    /// same idempotency key makes taking it over safe.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Under the provider's 24 h idempotency window: an older charge is asked about by order reference instead of
    /// repeated, since its key may have expired and a repeat could charge again.
    /// </summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromHours(23);
}

/// <summary>
/// <c>PaymentProvider</c>: where the provider is and the secrets shared with it; the same section holds the client's
/// <c>DownstreamOptions</c> (timeouts, breaker, the bulkhead's <c>MaxConcurrency</c>).
/// </summary>
public sealed class PaymentProviderOptions
{
    public const string Section = "PaymentProvider";

    /// <summary>Resolved by service discovery (<c>services:payment-provider:http:0</c>) unless set.</summary>
    public Uri Url { get; set; } = new("http://payment-provider");

    public string ApiKey { get; set; } = "";

    /// <summary>Signs the provider's webhooks; without it every webhook is refused.</summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>How far a webhook's signed timestamp may be from now: an older signature could be a replay.</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);
}
