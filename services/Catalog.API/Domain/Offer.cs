namespace AspireShop.Catalog.API.Domain;

/// <summary>One seller's price for one SKU; several sellers can offer the same SKU.</summary>
public sealed class Offer
{
    public const string DefaultCurrency = "USD";

    public Guid SkuId { get; set; }

    public Guid SellerId { get; set; }

    public decimal Price { get; set; }

    public string Currency { get; set; } = DefaultCurrency;

    public DateTimeOffset UpdatedAt { get; set; }
}
