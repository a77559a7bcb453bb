using AspireShop.Fulfillment.API.Domain;

namespace AspireShop.Fulfillment.API.Apis;

/// <summary>The carrier the parcel was handed to and its tracking number, as the carrier prints it.</summary>
public sealed record ShipRequest(string? Carrier, string? TrackingNumber);

/// <summary>Why the seller cancels its part; optional.</summary>
public sealed record CancelShipmentRequest(string? Reason);

public sealed record ShipmentLineView(Guid SkuId, Guid ProductId, string ProductTitle, int Quantity, decimal UnitPrice, decimal Amount);

public sealed record ShippingAddressView(string Name, string Line1, string? Line2, string City, string PostalCode, string Country);

public sealed record ShipmentView(
    Guid Id,
    Guid OrderId,
    Guid SellerId,
    Guid BuyerId,
    string Status,
    IReadOnlyList<ShipmentLineView> Lines,
    decimal Amount,
    string Currency,
    ShippingAddressView? ShippingAddress,
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
    public static ShipmentView From(Shipment s) => new(
        s.Id,
        s.OrderId,
        s.SellerId,
        s.BuyerId,
        s.Status,
        [.. s.Lines.OrderBy(l => l.LineNumber).Select(l => new ShipmentLineView(l.SkuId, l.ProductId, l.ProductTitle, l.Quantity, l.UnitPrice, l.Amount))],
        s.Amount,
        s.Currency,
        s.ShippingAddress is { } a ? new ShippingAddressView(a.Name, a.Line1, a.Line2, a.City, a.PostalCode, a.Country) : null,
        s.Carrier,
        s.TrackingNumber,
        s.CancelReason,
        s.CreatedAt,
        s.PackedAt,
        s.ShippedAt,
        s.DeliveredAt,
        s.CancelledAt,
        s.UpdatedAt);
}

public sealed record ShipmentPage(IReadOnlyList<ShipmentView> Items, int Page, int PageSize, int Total);

/// <summary>The shipments of one order (one per seller in it), as its buyer follows them.</summary>
public sealed record OrderShipments(Guid OrderId, IReadOnlyList<ShipmentView> Shipments);
