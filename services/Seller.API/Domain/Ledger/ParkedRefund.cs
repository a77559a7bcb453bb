namespace AspireShop.Seller.API.Domain.Ledger;

/// <summary>
/// A refund that reached the ledger before its order's confirmation (the two travel on different topics), or one it
/// could not book. Kept, never dropped: the order's confirmation books it (<see cref="AppliedAt"/> set); one whose
/// amount does not match the order's parts keeps a <see cref="Problem"/> for an operator. A refund of an order that was
/// never confirmed (money returned before the sale completed) stays parked: the ledger never held that money.
/// </summary>
public sealed class ParkedRefund
{
    /// <summary>Arrival order: an order's parked refunds are booked in the order Payment published them.</summary>
    public long Sequence { get; init; }

    public Guid OrderId { get; init; }

    public Guid PaymentId { get; init; }

    public required string Reason { get; init; }

    /// <summary>The seller of a <c>seller:&lt;id&gt;</c> refund (row-level security); null for a full refund.</summary>
    public Guid? SellerId { get; init; }

    public long AmountMinor { get; init; }

    public required string Currency { get; init; }

    public required string MessageId { get; init; }

    public DateTimeOffset ParkedAt { get; init; }

    public DateTimeOffset? AppliedAt { get; set; }

    public string? Problem { get; set; }
}
