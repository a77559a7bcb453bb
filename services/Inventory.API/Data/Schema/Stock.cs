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

    /// <summary>
    /// Whether Catalog publishes this offer: stock is set and held only while it does. A withdrawn offer keeps its row
    /// (the units are still on the shelf, and holds already taken still end normally).
    /// </summary>
    public bool Offered { get; set; }

    /// <summary>The log position of the Catalog change that last set <see cref="Offered"/>: older events change nothing.</summary>
    public long? OfferLsn { get; set; }
}
