namespace AspireShop.WebApp.Services;

/// <summary>
/// The buyer's view of Fulfillment.API through the gateway: the shipments of one of its own orders (one per seller).
/// Fulfillment answers 404 until it has created them (shortly after the order is confirmed) and for anyone else's order.
/// </summary>
public sealed class FulfillmentClient(HttpClient http)
{
    public Task<GatewayReply<BuyerOrderShipments>> GetOrderShipmentsAsync(Guid orderId, CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<BuyerOrderShipments>(
            http, () => new HttpRequestMessage(HttpMethod.Get, $"/api/fulfillment/orders/{orderId}/shipments"), cancellationToken);
}

public sealed record BuyerOrderShipments(Guid OrderId, IReadOnlyList<BuyerShipment> Shipments);

public sealed record BuyerShipment(
    Guid Id,
    Guid OrderId,
    Guid SellerId,
    string Status,
    IReadOnlyList<BuyerShipmentLine> Lines,
    decimal Amount,
    string Currency,
    string? Carrier,
    string? TrackingNumber,
    string? CancelReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ShippedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? CancelledAt,
    DateTimeOffset UpdatedAt);

public sealed record BuyerShipmentLine(Guid SkuId, Guid ProductId, string ProductTitle, int Quantity, decimal UnitPrice, decimal Amount);
