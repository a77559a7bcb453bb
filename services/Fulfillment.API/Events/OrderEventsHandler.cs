using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Fulfillment.API.Domain;
using AspireShop.Fulfillment.API.Services;
using AspireShop.Ordering.Contracts;

namespace AspireShop.Fulfillment.API.Events;

/// <summary>
/// Ordering's events (topic <see cref="OrderEvent.Topic"/>, keyed by order id, so an order's OrderFailed comes after
/// its OrderConfirmed). <see cref="OrderConfirmed"/> becomes one shipment per seller in the order, each published as
/// <c>ShipmentCreated</c>; a seller that already has its shipment of the order gets none again. <see cref="OrderFailed"/>
/// cancels the order's shipments not yet shipped (<see cref="OrderCancelledReason"/>), each published as
/// <c>ShipmentCancelled</c> with OrderCancelled, since the OrderSaga refunds and restocks the whole order itself; a
/// failed order that was never confirmed has no shipments and ships nothing. Both are idempotent twice over: the inbox
/// skips a redelivered message, and a shipment already created or cancelled is not again.
/// </summary>
public sealed partial class OrderEventsHandler(ShipmentStore store, TenantContext tenant, TimeProvider clock, ILogger<OrderEventsHandler> logger) : IEventHandler<OrderEvent>
{
    /// <summary>The consumer group and the inbox consumer name of Ordering's events.</summary>
    public const string ConsumerGroup = "fulfillment.orders";

    /// <summary>Why the shipments of an order its buyer cancelled are cancelled.</summary>
    public const string OrderCancelledReason = "order_cancelled";

    public Task HandleAsync(OrderEvent payload, ReceivedMessage message, CancellationToken cancellationToken) => payload switch
    {
        OrderConfirmed confirmed => ShipAsync(confirmed, message, cancellationToken),
        OrderFailed failed => CancelAsync(failed, message, cancellationToken),
        _ => Task.CompletedTask,
    };

    private async Task ShipAsync(OrderConfirmed confirmed, ReceivedMessage message, CancellationToken cancellationToken)
    {
        // What the database would refuse on every retry is refused once, straight to the dead letters.
        if (confirmed.Lines.FirstOrDefault(l => l.Quantity <= 0 || l.UnitPrice < 0) is { } bad)
        {
            throw new PoisonMessageException($"{message.MessageId}: order {confirmed.OrderId} has a line of SKU {bad.SkuId} with quantity {bad.Quantity} at {bad.UnitPrice}.");
        }

        if (confirmed.Currency is not { Length: 3 })
        {
            throw new PoisonMessageException($"{message.MessageId}: order {confirmed.OrderId} is in '{confirmed.Currency}', not a three-letter currency.");
        }

        // The order's shipments belong to every seller in it: the handler writes as the platform, not as one tenant.
        tenant.Current = Tenant.Everyone;
        var now = ShipmentStore.Now(clock);
        var address = confirmed.ShipTo;
        List<Shipment> shipments = [.. confirmed.Lines.GroupBy(l => l.SellerId).Select(lines => Split(confirmed, lines, address, now))];
        var created = await store.CreateForOrderAsync(shipments, confirmed.OrderId, ConsumerGroup, message.MessageId, cancellationToken);
        LogCreated(confirmed.OrderId, created, shipments.Count, address is not null);
    }

    private async Task CancelAsync(OrderFailed failed, ReceivedMessage message, CancellationToken cancellationToken)
    {
        // Every seller's shipment of the order is cancelled: the platform acts, not one tenant.
        tenant.Current = Tenant.Everyone;
        var outcome = await store.CancelForOrderAsync(failed.OrderId, OrderCancelledReason, ConsumerGroup, message.MessageId, cancellationToken);
        if (outcome.Repeated || outcome.Shipments == 0)
        {
            return;
        }

        LogCancelled(failed.OrderId, failed.Reason, outcome.Cancelled.Count, outcome.Shipments);
        foreach (var shipment in outcome.Left)
        {
            // Ordering refuses a buyer's cancel once a part shipped, so this means the two disagree: someone should look.
            LogLeftShipped(failed.OrderId, shipment.Id, shipment.SellerId, shipment.Status);
        }
    }

    private static Shipment Split(OrderConfirmed order, IGrouping<Guid, OrderLine> lines, ShipTo? address, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        return new Shipment
        {
            SellerId = lines.Key,
            Id = id,
            OrderId = order.OrderId,
            BuyerId = order.BuyerId,
            Currency = order.Currency,
            // Owned by one shipment each: EF would keep a shared instance on only one of them.
            ShippingAddress = address is null ? null : new ShippingAddress
            {
                Name = address.Name,
                Line1 = address.Line1,
                Line2 = address.Line2,
                City = address.City,
                PostalCode = address.PostalCode,
                Country = address.Country,
            },
            CreatedAt = now,
            UpdatedAt = now,
            Lines = [.. lines.Select((l, i) => new Domain.ShipmentLine
            {
                SellerId = lines.Key,
                ShipmentId = id,
                LineNumber = i + 1,
                BuyerId = order.BuyerId,
                SkuId = l.SkuId,
                ProductId = l.ProductId,
                ProductTitle = l.ProductTitle,
                Quantity = l.Quantity,
                UnitPrice = l.UnitPrice,
            })],
        };
    }

    [LoggerMessage(LogLevel.Information, "Order {OrderId} failed ({Reason}): {Cancelled} of its {Shipments} shipment(s) cancelled")]
    private partial void LogCancelled(Guid orderId, string reason, int cancelled, int shipments);

    [LoggerMessage(LogLevel.Warning, "Order {OrderId} failed after its shipment {ShipmentId} of seller {SellerId} was {Status}: the shipment stays as it is")]
    private partial void LogLeftShipped(Guid orderId, Guid shipmentId, Guid sellerId, string status);

    [LoggerMessage(LogLevel.Information, "Order {OrderId} confirmed: {Created} of its {Sellers} seller shipment(s) created (address known: {HasAddress})")]
    private partial void LogCreated(Guid orderId, int created, int sellers, bool hasAddress);
}
