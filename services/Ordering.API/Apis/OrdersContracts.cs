using AspireShop.Ordering.API.Domain;

namespace AspireShop.Ordering.API.Apis;

/// <summary>
/// The checkout form: where to ship and how to pay. Nothing about prices: lines come from the buyer's cart and are
/// priced by Catalog, so a client-sent price or total is not even read.
/// </summary>
public sealed record PlaceOrderRequest(ShippingAddressDto? ShippingAddress, string? PaymentMethod);

public sealed record ShippingAddressDto(string? Name, string? Line1, string? Line2, string? City, string? PostalCode, string? Country);

public sealed record OrderLineView(
    Guid SkuId, Guid SellerId, Guid ProductId, string ProductTitle, string SkuCode, int Quantity, decimal UnitPrice, decimal LineTotal);

public sealed record TimelineEntryView(string Step, string? Detail, DateTimeOffset At);

public sealed record OrderView(
    Guid Id,
    Guid BuyerId,
    string Status,
    string? FailureReason,
    bool CancelRequested,
    IReadOnlyList<OrderLineView> Lines,
    decimal Total,
    string Currency,
    ShippingAddressDto ShippingAddress,
    string PaymentMethod,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<TimelineEntryView> Timeline,
    FulfillmentView? Fulfillment)
{
    public static OrderView From(Order order) => new(
        order.Id,
        order.BuyerId,
        order.Status,
        order.FailureReason,
        order.CancelRequested,
        [.. order.Lines.OrderBy(l => l.LineNumber).Select(l => new OrderLineView(
            l.SkuId, l.SellerId, l.ProductId, l.ProductTitle, l.SkuCode, l.Quantity, l.UnitPrice, l.UnitPrice * l.Quantity))],
        order.Total,
        order.Currency,
        new ShippingAddressDto(order.ShippingAddress.Name, order.ShippingAddress.Line1, order.ShippingAddress.Line2,
            order.ShippingAddress.City, order.ShippingAddress.PostalCode, order.ShippingAddress.Country),
        Mask(order.PaymentMethod),
        order.CreatedAt,
        order.UpdatedAt,
        [.. order.Timeline.OrderBy(t => t.Id).Select(t => new TimelineEntryView(t.Step, t.Detail, t.At))],
        FulfillmentView.From(order));

    // A card number is shown as its last four digits, as every receipt does.
    private static string Mask(string paymentMethod) =>
        paymentMethod.All(char.IsAsciiDigit) && paymentMethod.Length > 4 ? $"•••• {paymentMethod[^4..]}" : paymentMethod;
}

/// <summary>
/// How a sold order is being delivered: one part per seller (<see cref="PartStatus"/>), and their sum
/// (<see cref="FulfillmentStatus"/>). Null while the order is not sold and nothing was shipped.
/// </summary>
public sealed record FulfillmentView(string Status, IReadOnlyList<FulfillmentPartView> Parts)
{
    public static FulfillmentView? From(Order order)
    {
        List<FulfillmentPartView> parts;
        if (order.Status == OrderStatus.Confirmed)
        {
            // One shipment per seller: a part Fulfillment has not reported yet is still pending.
            var sellers = order.Lines.OrderBy(l => l.LineNumber).Select(l => l.SellerId).Distinct().ToList();
            parts = [.. sellers.Select(seller => order.Shipments.FirstOrDefault(s => s.SellerId == seller) is { } shipment
                ? FulfillmentPartView.From(shipment)
                : new FulfillmentPartView(seller, null, PartStatus.Pending, null, null, null, null))];
            parts.AddRange(order.Shipments.Where(s => !sellers.Contains(s.SellerId)).Select(FulfillmentPartView.From));
        }
        else if (order.Shipments.Count > 0)
        {
            // A cancelled order whose part shipped before the cancel reached Fulfillment: the buyer sees what is on its way.
            parts = [.. order.Shipments.Select(FulfillmentPartView.From)];
        }
        else
        {
            return null;
        }

        return new FulfillmentView(Summarise(parts), parts);
    }

    private static string Summarise(List<FulfillmentPartView> parts)
    {
        var cancelled = parts.Count(p => p.Status == PartStatus.Cancelled);
        var delivered = parts.Count(p => p.Status == PartStatus.Delivered);
        var shipped = delivered + parts.Count(p => p.Status == PartStatus.Shipped);
        return cancelled == parts.Count ? FulfillmentStatus.Cancelled
            : cancelled > 0 ? FulfillmentStatus.PartiallyFulfilled
            : delivered == parts.Count ? FulfillmentStatus.Delivered
            : shipped == parts.Count ? FulfillmentStatus.Shipped
            : shipped > 0 ? FulfillmentStatus.PartiallyShipped
            : FulfillmentStatus.AwaitingShipment;
    }
}

/// <summary>One seller's part; <see cref="ShipmentId"/> is null until Fulfillment reports the shipment.</summary>
public sealed record FulfillmentPartView(
    Guid SellerId, Guid? ShipmentId, string Status, string? Carrier, string? TrackingNumber, string? CancelReason, DateTimeOffset? UpdatedAt)
{
    public static FulfillmentPartView From(OrderShipment shipment) => new(
        shipment.SellerId, shipment.ShipmentId, shipment.Status, shipment.Carrier, shipment.TrackingNumber, shipment.CancelReason, shipment.UpdatedAt);
}

/// <summary>The 202 body: where to follow the order.</summary>
public sealed record OrderAccepted(Guid Id, string Status, decimal Total, string Currency, string Location, string Events);

/// <summary>One SSE message of <c>/api/orders/{id}/events</c>.</summary>
public sealed record OrderStatusChanged(Guid Id, string Status, string? FailureReason, string Step, DateTimeOffset UpdatedAt);

public sealed record OrderPage(IReadOnlyList<OrderView> Items, int Page, int PageSize, int Total);
