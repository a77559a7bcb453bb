using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Payment.API.Services;

namespace AspireShop.Payment.API.Events;

/// <summary>
/// Fulfillment's shipment events (topic <see cref="ShipmentEvent.Topic"/>, keyed by order id): a part its seller
/// cancelled (<see cref="ShipmentCancelled.OrderCancelled"/> false) is refunded once, its <see cref="ShipmentCancelled.Amount"/>
/// under reason <see cref="ShipmentCancelled.RefundReason"/>, never more than is left of the capture. A part cancelled
/// with its whole order is left alone: the OrderSaga's full refund (reason <c>cancelled</c>) returns it already.
/// </summary>
public sealed class ShipmentCancelledHandler(PaymentProcessor payments) : IEventHandler<ShipmentEvent>
{
    /// <summary>The consumer group and the inbox consumer name of Fulfillment's events.</summary>
    public const string ConsumerGroup = "payment.shipments";

    public Task HandleAsync(ShipmentEvent payload, ReceivedMessage message, CancellationToken cancellationToken) => payload switch
    {
        ShipmentCancelled { OrderCancelled: false } cancelled => payments.RefundPartAsync(
            cancelled.OrderId,
            ShipmentCancelled.RefundReason(cancelled.SellerId),
            cancelled.Amount,
            cancelled.Currency,
            Receipt.Event(ConsumerGroup, message.MessageId),
            cancellationToken),
        // Created, shipped and delivered parts move no money.
        _ => Task.CompletedTask,
    };
}
