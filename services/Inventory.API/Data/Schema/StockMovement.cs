namespace AspireShop.Inventory.API.Data.Schema;

/// <summary>One change of a stock row, written in the change's own transaction: the audit trail of every unit.</summary>
public sealed class StockMovement
{
    public long Id { get; set; }

    public Guid SkuId { get; set; }

    public Guid SellerId { get; set; }

    /// <summary>set, adjust, reserve, resize, release, expire, confirm, restock, flash_open, flash_close.</summary>
    public required string Kind { get; set; }

    /// <summary>Null for <c>set</c>, which replaces on-hand with an absolute value.</summary>
    public int? OnHandDelta { get; set; }

    public int ReservedDelta { get; set; }

    public int OnHandAfter { get; set; }

    public int ReservedAfter { get; set; }

    public long Version { get; set; }

    public Guid? ReservationId { get; set; }

    public Guid? FlashSaleId { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
