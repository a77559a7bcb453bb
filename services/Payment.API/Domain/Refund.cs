namespace AspireShop.Payment.API.Domain;

/// <summary>
/// One refund of a payment per reason (unique (payment, reason)): its amount is added to the payment's refunded amount
/// in the transaction that creates it, so concurrent refunds can never return more than was captured.
/// </summary>
public sealed class Refund
{
    public Guid Id { get; set; }

    public Guid PaymentId { get; set; }

    public required string Reason { get; set; }

    /// <summary>Major units; 0 when nothing was left to refund (no provider call is made).</summary>
    public decimal Amount { get; set; }

    public string Status { get; set; } = RefundStatus.Requested;

    public string? ProviderRefundId { get; set; }

    /// <summary>When the current provider call was claimed; a claim older than the lease is abandoned.</summary>
    public DateTimeOffset? ClaimedAt { get; set; }

    /// <summary>How many times the PaymentReconciler has asked the provider about this refund.</summary>
    public int ReconcileAttempts { get; set; }

    /// <summary>When the PaymentReconciler asks next: set while the outcome is unknown or a claim could be abandoned.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>Parked after the reconciler's last attempt: nobody asks again until an operator retries it (never dropped).</summary>
    public DateTimeOffset? NeedsAttentionAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public static string ProviderKey(Guid paymentId, string reason) => $"refund:{paymentId}:{reason}";
}

public static class RefundStatus
{
    public const string Requested = "REQUESTED";
    public const string Succeeded = "SUCCEEDED";
    public const string Unknown = "UNKNOWN";
}
