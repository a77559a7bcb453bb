using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Inventory.API.Services;

namespace AspireShop.Inventory.API.Events;

/// <summary>
/// Fulfillment's shipment events (<see cref="ShipmentEvent.Topic"/>, keyed by order id). A <see cref="ShipmentCancelled"/>
/// by its seller puts the part's sold units back on hand for that seller, once (<see cref="OrderReservations.RestockSellerPartAsync"/>,
/// with its inbox record and availability events in one transaction). One cancelled with its whole order changes nothing:
/// the OrderSaga's ReleaseOrderStock restocks the order. Every other shipment event is none of Inventory's business.
/// </summary>
public sealed class ShipmentCancelledHandler(OrderReservations orders) : IEventHandler<ShipmentEvent>
{
    /// <summary>The consumer group and the inbox consumer name of Fulfillment's shipment events.</summary>
    public const string ConsumerGroup = "inventory.shipments";

    public Task HandleAsync(ShipmentEvent payload, ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (payload is not ShipmentCancelled { OrderCancelled: false } cancelled)
        {
            return Task.CompletedTask;
        }

        // A part of no lines has nothing to give back on any retry: straight to the dead letters.
        if (cancelled.Lines.Count == 0)
        {
            throw new PoisonMessageException($"{message.MessageId}: shipment {cancelled.ShipmentId} of order {cancelled.OrderId} was cancelled with no lines.");
        }

        return orders.RestockSellerPartAsync(
            cancelled.OrderId, cancelled.SellerId, [.. cancelled.Lines.Select(l => l.SkuId)], ConsumerGroup, message.MessageId, cancellationToken);
    }
}
