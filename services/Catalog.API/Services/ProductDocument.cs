using System.ComponentModel;
using AspireShop.Catalog.API.Domain;

namespace AspireShop.Catalog.API.Services;

/// <summary>
/// A product with its variants and offers: what the product page caches. Immutable, so HybridCache hands the same
/// instance to every caller instead of deserialising a copy each.
/// </summary>
[ImmutableObject(true)]
public sealed record ProductDocument(
    Guid Id,
    Guid SellerId,
    string Title,
    string Description,
    string Brand,
    string Category,
    IReadOnlyList<string> Images,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<VariantDocument> Variants)
{
    public static ProductDocument From(Product product) => new(
        product.Id,
        product.SellerId,
        product.Title,
        product.Description,
        product.Brand,
        product.Category,
        product.Images.ToArray(),
        new Dictionary<string, string>(product.Attributes),
        product.CreatedAt,
        product.UpdatedAt,
        product.Skus
            .OrderBy(s => s.Code, StringComparer.Ordinal)
            .Select(s => new VariantDocument(
                s.Id,
                s.Code,
                new Dictionary<string, string>(s.Attributes),
                s.Offers.OrderBy(o => o.Price).ThenBy(o => o.SellerId).Select(OfferDocument.From).ToArray()))
            .ToArray());
}

[ImmutableObject(true)]
public sealed record VariantDocument(Guid Id, string Code, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<OfferDocument> Offers);

[ImmutableObject(true)]
public sealed record OfferDocument(Guid SellerId, decimal Price, string Currency, DateTimeOffset UpdatedAt)
{
    public static OfferDocument From(Offer offer) => new(offer.SellerId, offer.Price, offer.Currency, offer.UpdatedAt);
}

/// <summary>The cache entry: a product or the fact that there is none (ids are server-generated, so a miss is stable until a write invalidates it).</summary>
[ImmutableObject(true)]
public sealed record CachedProduct(ProductDocument? Product);
