namespace AspireShop.Payment.API.Extensions;

/// <summary><c>Payment</c>: how long a provider call may own a payment or refund, and how the PaymentReconciler asks again.</summary>
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

    /// <summary>How often the PaymentReconciler looks for payments and refunds that fell due.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many are taken (leased) per round; the provider's bulkhead still bounds calls at once.</summary>
    public int ReconcileBatchSize { get; set; } = 32;

    /// <summary>Full-jitter backoff between asks: the first wait is up to this, doubling per attempt.</summary>
    public TimeSpan ReconcileInitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconcileMaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After this many asks without an answer the item is parked as needs-attention (about an hour at the defaults).</summary>
    public int ReconcileMaxAttempts { get; set; } = 20;
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
