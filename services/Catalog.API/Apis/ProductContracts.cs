using AspireShop.Catalog.API.Services;

namespace AspireShop.Catalog.API.Apis;

/// <summary>A new product: its variants (SKUs) and, per variant with a price, the calling seller's offer.</summary>
public sealed record CreateProductRequest(
    string? Title,
    string? Description,
    string? Brand,
    string? Category,
    List<string>? Images,
    Dictionary<string, string>? Attributes,
    List<CreateVariantRequest>? Variants);

public sealed record CreateVariantRequest(string? Code, Dictionary<string, string>? Attributes, decimal? Price, string? Currency);

/// <summary>Replaces the product's fields; variants are added or updated by code (variants not listed stay as they are).</summary>
public sealed record UpdateProductRequest(
    string? Title,
    string? Description,
    string? Brand,
    string? Category,
    List<string>? Images,
    Dictionary<string, string>? Attributes,
    List<UpdateVariantRequest>? Variants);

public sealed record UpdateVariantRequest(string? Code, Dictionary<string, string>? Attributes);

public sealed record OfferRequest(decimal? Price, string? Currency);

/// <summary>One offer with what a cart line shows: the product, the variant and the seller's price.</summary>
public sealed record OfferDetails(
    Guid SkuId,
    Guid SellerId,
    Guid ProductId,
    string ProductTitle,
    string SkuCode,
    Dictionary<string, string> Attributes,
    decimal Price,
    string Currency);

public sealed record OfferResponse(Guid SkuId, Guid SellerId, decimal Price, string Currency, DateTimeOffset UpdatedAt);

public sealed record ProductSummary(
    Guid Id,
    Guid SellerId,
    string Title,
    string Brand,
    string Category,
    string? Image,
    decimal? PriceFrom,
    string? Currency,
    DateTimeOffset UpdatedAt);

public sealed record ProductList(int Total, int Page, int PageSize, IReadOnlyList<ProductSummary> Items);

/// <summary>The product page: the cached document plus live availability per offer.</summary>
public sealed record ProductPage(
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
    IReadOnlyList<VariantPage> Variants)
{
    public static IReadOnlyList<OfferKey> OffersOf(ProductDocument product) =>
        product.Variants.SelectMany(v => v.Offers.Select(o => new OfferKey(v.Id, o.SellerId))).ToList();

    public static ProductPage From(ProductDocument product, IReadOnlyDictionary<OfferKey, OfferAvailability> availability) => new(
        product.Id,
        product.SellerId,
        product.Title,
        product.Description,
        product.Brand,
        product.Category,
        product.Images,
        product.Attributes,
        product.CreatedAt,
        product.UpdatedAt,
        product.Variants
            .Select(v => new VariantPage(
                v.Id,
                v.Code,
                v.Attributes,
                v.Offers
                    .Select(o => new OfferPage(
                        o.SellerId,
                        o.Price,
                        o.Currency,
                        o.UpdatedAt,
                        availability.GetValueOrDefault(new OfferKey(v.Id, o.SellerId), OfferAvailability.Unknown)))
                    .ToList()))
            .ToList());
}

public sealed record VariantPage(Guid Id, string Code, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<OfferPage> Offers);

public sealed record OfferPage(Guid SellerId, decimal Price, string Currency, DateTimeOffset UpdatedAt, OfferAvailability Availability);
