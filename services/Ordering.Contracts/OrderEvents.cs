using System.Text.Json.Serialization;

namespace AspireShop.Ordering.Contracts;

/// <summary>
/// What Ordering publishes about an order once its saga ends, keyed by order id (topic <see cref="Topic"/>). Written as
/// the base type (<c>status</c> discriminator), so one consumer reads both.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "status")]
[JsonDerivedType(typeof(OrderConfirmed), "confirmed")]
[JsonDerivedType(typeof(OrderFailed), "failed")]
public abstract record OrderEvent(Guid OrderId, Guid BuyerId)
{
    public const string AggregateType = "order";
    public const string Topic = "outbox.event." + AggregateType;
}

/// <summary>
/// Paid and sold: Fulfillment ships it to <see cref="ShipTo"/>, Cart forgets the ordered lines. ShipTo is null only
/// in events written before it was added.
/// </summary>
public sealed record OrderConfirmed(
    Guid OrderId, Guid BuyerId, IReadOnlyList<OrderLine> Lines, decimal Total, string Currency, DateTimeOffset ConfirmedAt, ShipTo? ShipTo = null)
    : OrderEvent(OrderId, BuyerId);

/// <summary>Where the buyer asked the order to be delivered.</summary>
public sealed record ShipTo(string Name, string Line1, string? Line2, string City, string PostalCode, string Country);

/// <summary>Ended without a sale (or was cancelled after one, then refunded and restocked).</summary>
public sealed record OrderFailed(Guid OrderId, Guid BuyerId, string Reason, DateTimeOffset FailedAt) : OrderEvent(OrderId, BuyerId);

/// <summary>One sold line; <see cref="ReservationId"/> is the cart hold the order took over, if the line had one.</summary>
public sealed record OrderLine(Guid SkuId, Guid SellerId, Guid ProductId, string ProductTitle, int Quantity, decimal UnitPrice, Guid? ReservationId = null);
