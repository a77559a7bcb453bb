namespace AspireShop.Catalog.API.Domain;

/// <summary>One variant of a product (e.g. red, size M), identified across the marketplace by its code.</summary>
public sealed class Sku
{
    public Guid Id { get; set; }

    public Guid ProductId { get; set; }

    public required string Code { get; set; }

    public Dictionary<string, string> Attributes { get; set; } = [];

    public List<Offer> Offers { get; set; } = [];
}
