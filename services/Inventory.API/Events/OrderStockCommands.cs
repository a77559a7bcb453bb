using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Inventory.API.Services;
using AspireShop.Inventory.Contracts;

namespace AspireShop.Inventory.API.Events;

/// <summary>
/// The OrderSaga's commands to Inventory (<see cref="OrderStockCommand.Topic"/>, keyed by order id so one order's
/// commands arrive in order). Each is applied by <see cref="OrderReservations"/> in one transaction with its inbox record
/// and its reply (<see cref="OrderStockEvent"/>) in the outbox.
/// </summary>
public sealed class OrderStockCommandHandler(OrderReservations orders) : IEventHandler<OrderStockCommand>
{
    public const string ConsumerGroup = OrderReservations.Consumer;

    public Task HandleAsync(OrderStockCommand payload, ReceivedMessage message, CancellationToken cancellationToken) => payload switch
    {
        ReserveOrderStock reserve => orders.ReserveAsync(reserve, message.MessageId, cancellationToken),
        CommitOrderStock commit => orders.CommitAsync(commit.OrderId, message.MessageId, cancellationToken),
        ReleaseOrderStock release => orders.ReleaseAsync(release.OrderId, message.MessageId, cancellationToken),
        _ => throw new PoisonMessageException($"{message.MessageId}: unknown order stock command {payload.GetType().Name}."),
    };
}
