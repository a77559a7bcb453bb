using System.Text.Json.Serialization;

namespace AspireShop.Fulfillment.Contracts;

/// <summary>
/// What Fulfillment publishes about a seller's shipment of an order, keyed by order id (topic <see cref="Topic"/>) so
/// every shipment of one order reaches a consumer in order. Written as the base type (<c>event</c> discriminator), so
/// one consumer reads them all.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "event")]
[JsonDerivedType(typeof(ShipmentCreated), "created")]
[JsonDerivedType(typeof(ShipmentShipped), "shipped")]
[JsonDerivedType(typeof(ShipmentDelivered), "delivered")]
[JsonDerivedType(typeof(ShipmentCancelled), "cancelled")]
public abstract record ShipmentEvent(Guid OrderId, Guid ShipmentId, Guid SellerId, Guid BuyerId)
{
    public const string AggregateType = "shipment";
    public const string Topic = "outbox.event." + AggregateType;
}

/// <summary>One seller's part of a confirmed order is waiting to be packed and shipped.</summary>
public sealed record ShipmentCreated(
    Guid OrderId, Guid ShipmentId, Guid SellerId, Guid BuyerId, IReadOnlyList<ShipmentLine> Lines, decimal Amount, string Currency, DateTimeOffset CreatedAt)
    : ShipmentEvent(OrderId, ShipmentId, SellerId, BuyerId);

/// <summary>Handed to <see cref="Carrier"/>: from now on the buyer can no longer cancel this part.</summary>
public sealed record ShipmentShipped(
    Guid OrderId, Guid ShipmentId, Guid SellerId, Guid BuyerId, string Carrier, string TrackingNumber, DateTimeOffset ShippedAt)
    : ShipmentEvent(OrderId, ShipmentId, SellerId, BuyerId);

public sealed record ShipmentDelivered(Guid OrderId, Guid ShipmentId, Guid SellerId, Guid BuyerId, DateTimeOffset DeliveredAt)
    : ShipmentEvent(OrderId, ShipmentId, SellerId, BuyerId);

/// <summary>
/// The part will not ship. When its seller cancelled it (<see cref="OrderCancelled"/> false), <see cref="Lines"/> are
/// to be refunded (<see cref="Amount"/> in <see cref="Currency"/>, once per seller and order: Payment's reason
/// <c>seller:&lt;SellerId&gt;</c>) and restocked, and the order's other parts go on. When the whole order was cancelled
/// before this part shipped (<see cref="OrderCancelled"/> true), the OrderSaga already refunds and restocks it all, so
/// nobody acts on the part again.
/// </summary>
public sealed record ShipmentCancelled(
    Guid OrderId,
    Guid ShipmentId,
    Guid SellerId,
    Guid BuyerId,
    IReadOnlyList<ShipmentLine> Lines,
    decimal Amount,
    string Currency,
    string Reason,
    DateTimeOffset CancelledAt,
    bool OrderCancelled = false)
    : ShipmentEvent(OrderId, ShipmentId, SellerId, BuyerId)
{
    /// <summary>
    /// The reason Payment refunds a seller's cancelled part under: one refund per seller and order. Its prefix is what
    /// readers of Payment's refunds match (<c>PaymentRefunded.SellerReasonPrefix</c>); a test keeps the two equal.
    /// </summary>
    public static string RefundReason(Guid sellerId) => $"seller:{sellerId}";
}

/// <summary>One order line in a shipment; <see cref="Amount"/> is <see cref="Quantity"/> × <see cref="UnitPrice"/>, what the buyer paid for it.</summary>
public sealed record ShipmentLine(Guid SkuId, Guid ProductId, string ProductTitle, int Quantity, decimal UnitPrice, decimal Amount);
