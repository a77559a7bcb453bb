using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Inventory.Contracts;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.API.Services;
using AspireShop.Payment.Contracts;

namespace AspireShop.Ordering.API.Events;

/// <summary>Inventory's replies move the OrderSaga.</summary>
public sealed class OrderStockReplies(SagaTransitions saga) : IEventHandler<OrderStockEvent>
{
    public const string ConsumerGroup = "ordering.order-stock";

    public Task HandleAsync(OrderStockEvent payload, ReceivedMessage message, CancellationToken cancellationToken) =>
        saga.ApplyAsync(payload.OrderId, ConsumerGroup, message.MessageId, (order, now) => OrderSaga.Handle(order, payload, now), cancellationToken);
}

/// <summary>Payment's outcomes move the OrderSaga.</summary>
public sealed class PaymentReplies(SagaTransitions saga) : IEventHandler<PaymentEvent>
{
    public const string ConsumerGroup = "ordering.payments";

    public Task HandleAsync(PaymentEvent payload, ReceivedMessage message, CancellationToken cancellationToken) =>
        saga.ApplyAsync(payload.OrderId, ConsumerGroup, message.MessageId, (order, now) => OrderSaga.Handle(order, payload, now), cancellationToken);
}
