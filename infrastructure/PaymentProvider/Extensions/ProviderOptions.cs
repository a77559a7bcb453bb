namespace AspireShop.Infrastructure.PaymentProvider.Extensions;

/// <summary><c>PaymentProvider</c>: the one API key, and where (and with what secret) webhook events go.</summary>
public sealed class ProviderOptions
{
    public const string Section = "PaymentProvider";

    /// <summary>Every /v1 request must carry <c>Authorization: Bearer &lt;ApiKey&gt;</c>.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Where events are POSTed; without it they are only stored.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>The HMAC-SHA256 key of the <c>Stripe-Signature</c> header.</summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>How often pending events are looked for when nothing announced a new one (retries, late mode).</summary>
    public TimeSpan WebhookPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between two attempts at an event the receiver keeps refusing.</summary>
    public TimeSpan WebhookMaxBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long after its change an event is sent in the <c>late</c> webhook mode.</summary>
    public TimeSpan LateWebhookDelay { get; set; } = TimeSpan.FromSeconds(3);
}
