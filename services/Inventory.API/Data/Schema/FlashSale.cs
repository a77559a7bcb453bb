namespace AspireShop.Inventory.API.Data.Schema;

/// <summary>
/// A time-boxed sale of <see cref="Quantity"/> units of one offer. Opening it moves the units from available into
/// reserved (the allocation), so the ordinary path cannot sell them too; closing returns what was neither sold
/// (<see cref="Confirmed"/>) nor still held by an active flash reservation.
/// </summary>
public sealed class FlashSale
{
    public Guid Id { get; set; }

    public Guid SkuId { get; set; }

    public Guid SellerId { get; set; }

    public int Quantity { get; set; }

    public DateTimeOffset StartsAt { get; set; }

    public DateTimeOffset EndsAt { get; set; }

    public string Status { get; set; } = FlashSaleStatus.Active;

    /// <summary>Units confirmed (sold) from the allocation, applied by the write-back or a confirm.</summary>
    public int Confirmed { get; set; }

    /// <summary>Units active flash reservations still held when the sale closed (they stay reserved until they end).</summary>
    public int? HeldAtClose { get; set; }

    /// <summary>Units given back to ordinary stock when the sale closed.</summary>
    public int? Returned { get; set; }

    /// <summary>What the Redis counter had left at close; null when Redis had lost the sale.</summary>
    public int? RedisRemainingAtClose { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }
}

public static class FlashSaleStatus
{
    public const string Active = "active";
    public const string Closed = "closed";
}
