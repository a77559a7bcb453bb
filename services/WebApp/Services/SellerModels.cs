namespace AspireShop.WebApp.Services;

// The shapes the seller-facing APIs answer with (Seller, Catalog, Inventory, Fulfillment), read from their JSON.

/// <summary>A seller application; <see cref="PayoutAccount"/> comes masked. Status is pending, approved or rejected.</summary>
public sealed record SellerApplicationView(
    Guid Id,
    Guid UserId,
    string BusinessName,
    string ContactEmail,
    string PayoutAccount,
    string Status,
    string? RejectionReason,
    Guid? SellerId,
    int? CommissionBasisPoints,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? DecidedAt)
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

public sealed record SellerApplicationList(int Total, int Page, int PageSize, IReadOnlyList<SellerApplicationView> Items);

/// <summary>A seller's profile; <see cref="PayoutAccount"/> comes masked.</summary>
public sealed record SellerProfileView(
    Guid SellerId,
    Guid UserId,
    string BusinessName,
    string ContactEmail,
    string PayoutAccount,
    int CommissionBasisPoints,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record SellerProfileList(int Total, int Page, int PageSize, IReadOnlyList<SellerProfileView> Items);

public sealed record SellerAmount(string Currency, decimal Amount);

public sealed record SellerBalanceView(Guid SellerId, string Account, IReadOnlyList<SellerAmount> Balances, DateTimeOffset AsOf);

public sealed record SellerStatementLine(
    Guid EntryId,
    Guid OrderId,
    string Kind,
    string Currency,
    decimal Amount,
    decimal Gross,
    decimal Commission,
    int CommissionBasisPoints,
    string? Reason,
    DateTimeOffset BookedAt);

public sealed record SellerStatementView(
    Guid SellerId,
    string Account,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<SellerAmount> Opening,
    IReadOnlyList<SellerAmount> Closing,
    int Total,
    int Page,
    int PageSize,
    IReadOnlyList<SellerStatementLine> Postings);

public sealed record SellerProductSummary(
    Guid Id,
    Guid SellerId,
    string Title,
    string Brand,
    string Category,
    string? Image,
    decimal? PriceFrom,
    string? Currency,
    DateTimeOffset UpdatedAt);

public sealed record SellerProductList(int Total, int Page, int PageSize, IReadOnlyList<SellerProductSummary> Items);

public sealed record SellerOfferAvailability(string Status, int? Available);

public sealed record SellerOfferView(Guid SellerId, decimal Price, string Currency, DateTimeOffset UpdatedAt, SellerOfferAvailability? Availability);

public sealed record SellerVariantView(Guid Id, string Code, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<SellerOfferView> Offers);

/// <summary>A product with its variants and every seller's offer (Catalog's product page; a created product answers the same shape).</summary>
public sealed record SellerProductView(
    Guid Id,
    Guid SellerId,
    string Title,
    string Description,
    string Brand,
    string Category,
    IReadOnlyList<SellerVariantView> Variants);

/// <summary>One offer with what identifies it: the product and the variant.</summary>
public sealed record SellerOfferDetails(Guid SkuId, Guid SellerId, Guid ProductId, string ProductTitle, string SkuCode, decimal Price, string Currency);

public sealed record SellerOfferSaved(Guid SkuId, Guid SellerId, decimal Price, string Currency, DateTimeOffset UpdatedAt);

public sealed record SellerStockView(Guid SkuId, Guid SellerId, int OnHand, int Reserved, int Available, long Version);

/// <summary>
/// A flash sale: <see cref="Remaining"/> from the live counter (null once gone), the rest from Inventory's records;
/// Status is active or closed.
/// </summary>
public sealed record SellerFlashSaleView(
    Guid Id,
    Guid SkuId,
    Guid SellerId,
    int Quantity,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string Status,
    int? Remaining,
    int? ConfirmedInRedis,
    int WrittenBack,
    int HeldInPostgres,
    int Confirmed,
    int? Returned,
    int? RedisRemainingAtClose,
    bool? Reconciled);

public sealed record SellerShipmentLine(Guid SkuId, Guid ProductId, string ProductTitle, int Quantity, decimal UnitPrice, decimal Amount);

public sealed record SellerShippingAddress(string Name, string Line1, string? Line2, string City, string PostalCode, string Country);

/// <summary>A seller's part of an order. Status is CREATED, PACKED, SHIPPED, DELIVERED or CANCELLED.</summary>
public sealed record SellerShipmentView(
    Guid Id,
    Guid OrderId,
    Guid SellerId,
    Guid BuyerId,
    string Status,
    IReadOnlyList<SellerShipmentLine> Lines,
    decimal Amount,
    string Currency,
    SellerShippingAddress? ShippingAddress,
    string? Carrier,
    string? TrackingNumber,
    string? CancelReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PackedAt,
    DateTimeOffset? ShippedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? CancelledAt,
    DateTimeOffset UpdatedAt)
{
    public const string Created = "CREATED";
    public const string Packed = "PACKED";
    public const string Shipped = "SHIPPED";
    public const string Delivered = "DELIVERED";
    public const string Cancelled = "CANCELLED";

    public static readonly IReadOnlyList<string> Statuses = [Created, Packed, Shipped, Delivered, Cancelled];
}

public sealed record SellerShipmentPage(IReadOnlyList<SellerShipmentView> Items, int Page, int PageSize, int Total);
