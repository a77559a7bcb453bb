namespace AspireShop.Cart.API.Domain;

/// <summary>
/// One line of a buyer's cart as stored in Redis (one hash field per line): the offer as Catalog priced it when the
/// line last changed, and the Inventory reservation holding its units until <see cref="HoldExpiresAt"/>.
/// </summary>
public sealed record CartLine(
    Guid SkuId,
    Guid SellerId,
    Guid ProductId,
    string ProductTitle,
    string SkuCode,
    Dictionary<string, string> Attributes,
    decimal UnitPrice,
    string Currency,
    int Quantity,
    Guid ReservationId,
    DateTimeOffset HoldExpiresAt,
    DateTimeOffset AddedAt,
    long Version)
{
    public const int MaxQuantity = 99;

    /// <summary>The hash field of a line: a buyer has at most one line per offer.</summary>
    public static string FieldOf(Guid skuId, Guid sellerId) => $"{skuId:N}:{sellerId:N}";

    public bool IsHeld(DateTimeOffset now) => HoldExpiresAt > now;
}

/// <summary>What Catalog says about an offer (<c>GET /api/catalog/skus/{skuId}/offers/{sellerId}</c>).</summary>
public sealed record Offer(
    Guid SkuId,
    Guid SellerId,
    Guid ProductId,
    string ProductTitle,
    string SkuCode,
    Dictionary<string, string>? Attributes,
    decimal Price,
    string Currency);
