namespace AspireShop.Catalog.API.Domain;

/// <summary>A product listed by one seller (its owner); its variants are <see cref="Sku"/>s that any seller can offer.</summary>
public sealed class Product
{
    public Guid Id { get; set; }

    public Guid SellerId { get; set; }

    public required string Title { get; set; }

    public required string Description { get; set; }

    public required string Brand { get; set; }

    public required string Category { get; set; }

    public List<string> Images { get; set; } = [];

    public Dictionary<string, string> Attributes { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<Sku> Skus { get; set; } = [];

    public bool IsOwnedBy(Guid? sellerId) => sellerId == SellerId;
}
