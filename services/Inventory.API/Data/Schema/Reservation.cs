namespace AspireShop.Inventory.API.Data.Schema;

/// <summary>
/// A hold of <see cref="Quantity"/> units for a holder (a buyer, or a cart acting for one) until
/// <see cref="ExpiresAt"/>. This row is the source of truth; Redis only mirrors it to prompt a fast release.
/// </summary>
public sealed class Reservation
{
    public Guid Id { get; set; }

    public Guid SkuId { get; set; }

    public Guid SellerId { get; set; }

    public Guid HolderId { get; set; }

    public int Quantity { get; set; }

    public string Status { get; set; } = ReservationStatus.Active;

    public int TtlSeconds { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The client's <c>Idempotency-Key</c>, unique per holder, so a retried POST finds its first answer.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>Set when a flash sale's counter decided this hold; its units belong to the sale's allocation.</summary>
    public Guid? FlashSaleId { get; set; }

    /// <summary>
    /// The order that owns this hold (the semantic lock): set, it never expires and only the order's commands end it,
    /// whatever the cart or the buyer ask for.
    /// </summary>
    public Guid? OrderId { get; set; }
}

public static class ReservationStatus
{
    public const string Active = "active";
    public const string Released = "released";
    public const string Expired = "expired";
    public const string Confirmed = "confirmed";

    /// <summary>Sold to an order that was compensated afterwards: its units went back on hand.</summary>
    public const string Returned = "returned";
}
