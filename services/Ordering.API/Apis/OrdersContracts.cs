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
    IReadOnlyList<TimelineEntryView> Timeline)
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
        [.. order.Timeline.OrderBy(t => t.Id).Select(t => new TimelineEntryView(t.Step, t.Detail, t.At))]);

    // A card number is shown as its last four digits, as every receipt does.
    private static string Mask(string paymentMethod) =>
        paymentMethod.All(char.IsAsciiDigit) && paymentMethod.Length > 4 ? $"•••• {paymentMethod[^4..]}" : paymentMethod;
}

/// <summary>The 202 body: where to follow the order.</summary>
public sealed record OrderAccepted(Guid Id, string Status, decimal Total, string Currency, string Location, string Events);

/// <summary>One SSE message of <c>/api/orders/{id}/events</c>.</summary>
public sealed record OrderStatusChanged(Guid Id, string Status, string? FailureReason, string Step, DateTimeOffset UpdatedAt);

public sealed record OrderPage(IReadOnlyList<OrderView> Items, int Page, int PageSize, int Total);
