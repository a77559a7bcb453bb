namespace AspireShop.Inventory.API.Data.Schema;

/// <summary>
/// What one seller holds of one SKU. <see cref="Available"/> is a stored generated column (on_hand − reserved), so it
/// can never disagree with the two counts; <see cref="Version"/> grows with every change and orders the events.
/// </summary>
public sealed class Stock
{
    public Guid SkuId { get; set; }

    public Guid SellerId { get; set; }

    public int OnHand { get; set; }

    /// <summary>Units held by active reservations plus the open allocations of flash sales.</summary>
    public int Reserved { get; set; }

    public int Available { get; private set; }

    public long Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
