namespace AspireShop.Payment.API.Domain;

/// <summary>
/// The one payment of an order (unique <see cref="OrderId"/>). Moves only forward through guarded updates:
/// <see cref="PaymentStatus.Requested"/> → <see cref="PaymentStatus.Processing"/> (one caller owns the provider call)
/// → <see cref="PaymentStatus.Succeeded"/> | <see cref="PaymentStatus.Failed"/> | <see cref="PaymentStatus.Unknown"/>
/// (asked again later with the same idempotency key, never guessed).
/// </summary>
public sealed class OrderPayment
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    /// <summary>Null only on a payment fenced by a refund before its charge arrived.</summary>
    public Guid? BuyerId { get; set; }

    /// <summary>Major units; null only on a fenced payment (nothing to charge was ever known).</summary>
    public decimal? Amount { get; set; }

    public string? Currency { get; set; }

    /// <summary>The provider token or test card the buyer gave; never returned by the API.</summary>
    public string? PaymentMethod { get; set; }

    public string Status { get; set; } = PaymentStatus.Requested;

    /// <summary>One of <c>PaymentFailureReasons</c> when <see cref="Status"/> is <see cref="PaymentStatus.Failed"/>.</summary>
    public string? FailureReason { get; set; }

    public string? ProviderIntentId { get; set; }

    public decimal CapturedAmount { get; set; }

    /// <summary>Never above <see cref="CapturedAmount"/> (a CHECK constraint, whatever the code does).</summary>
    public decimal RefundedAmount { get; set; }

    /// <summary>When the current <see cref="PaymentStatus.Processing"/> claim was taken; a claim older than the lease is abandoned.</summary>
    public DateTimeOffset? ClaimedAt { get; set; }

    /// <summary>Postgres' xmin: changes with every write, so a stale read cannot overwrite a newer row.</summary>
    public uint Version { get; set; }

    /// <summary>How many times the PaymentReconciler has asked the provider about this payment.</summary>
    public int ReconcileAttempts { get; set; }

    /// <summary>When the PaymentReconciler asks next: set while the outcome is unknown or a claim could be abandoned.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>Parked after the reconciler's last attempt: nobody asks again until an operator retries it (never dropped).</summary>
    public DateTimeOffset? NeedsAttentionAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<Refund> Refunds { get; } = [];

    /// <summary>The provider's idempotency key of this order's charge: a retry can only ever replay the first charge.</summary>
    public static string ChargeKey(Guid orderId) => $"order:{orderId}:charge";
}

public static class PaymentStatus
{
    public const string Requested = "REQUESTED";
    public const string Processing = "PROCESSING";
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";

    /// <summary>The provider did not answer (timeout, reset, 5xx, 429, key in use): it may or may not have charged.</summary>
    public const string Unknown = "UNKNOWN";

    public static bool IsFinal(string status) => status is Succeeded or Failed;
}
