using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.API.Services;

namespace AspireShop.Ordering.API.Events;

/// <summary>
/// Fulfillment's shipment events (topic <see cref="ShipmentEvent.Topic"/>, keyed by order id) recorded on the order:
/// each part's progress for the buyer, and a shipped part ends the buyer's right to cancel. Idempotent twice over: the
/// inbox skips a redelivered message, and a part only moves forward. Sends nothing: it is no step of the saga.
/// </summary>
public sealed class ShipmentProgress(SagaTransitions saga) : IEventHandler<ShipmentEvent>
{
    /// <summary>The consumer group and the inbox consumer name.</summary>
    public const string ConsumerGroup = "ordering.shipments";

    public Task HandleAsync(ShipmentEvent payload, ReceivedMessage message, CancellationToken cancellationToken) =>
        saga.ApplyAsync(payload.OrderId, ConsumerGroup, message.MessageId, (order, now) =>
        {
            OrderFulfillment.Apply(order, payload, now);
            return [];
        }, cancellationToken);
}
