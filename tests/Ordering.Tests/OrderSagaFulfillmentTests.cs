using System.Text.Json;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Inventory.Contracts;
using AspireShop.Ordering.API.Apis;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.Contracts;
using AspireShop.Payment.Contracts;

namespace AspireShop.Ordering.Tests;

/// <summary>
/// Fulfillment's events on an order, as the domain applies them: parts only move forward, a shipped part ends the
/// buyer's cancel, the order's fulfillment summed up from its parts, and a seller's refund that is no saga step.
/// </summary>
public sealed class OrderSagaFulfillmentTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid SellerA = Guid.NewGuid();
    private static readonly Guid SellerB = Guid.NewGuid();

    [Fact]
    public void ASellersRefundOfItsPartNeverSettlesTheSagasCompensation()
    {
        var order = ConfirmedOrder();
        var sellerRefund = new PaymentRefunded(order.Id, Guid.NewGuid(), 20m, "USD", ShipmentCancelled.RefundReason(SellerB));
        var timeline = order.Timeline.Count;

        // On a confirmed order it is no step either: nothing sent, nothing recorded.
        Assert.Empty(OrderSaga.Handle(order, sellerRefund, Now));
        Assert.Equal((SagaStep.Confirmed, timeline), (order.Step, order.Timeline.Count));

        Assert.Equal(CancelOutcome.Accepted, OrderSaga.Cancel(order, Now, out _));
        Assert.Empty(OrderSaga.Handle(order, sellerRefund, Now));
        Assert.False(order.PaymentSettled);
        // Stock released, but the saga's own refund (reason "cancelled") is still outstanding: the order does not fail yet.
        Assert.Empty(OrderSaga.Handle(order, new OrderStockReleased(order.Id), Now));
        Assert.Equal(SagaStep.Compensating, order.Step);
        var resent = Assert.Single(OrderSaga.Resend(order, Now), m => m.AggregateType == PaymentCommand.AggregateType);
        Assert.Equal("cancelled", Assert.IsType<RefundPayment>(JsonSerializer.Deserialize<PaymentCommand>(resent.Payload, OutboxEvent.SerializerOptions)).Reason);

        var failed = OrderSaga.Handle(order, new PaymentRefunded(order.Id, Guid.NewGuid(), 40m, "USD", "cancelled"), Now);

        Assert.Single(failed, m => m.AggregateType == OrderEvent.AggregateType && m.Type == nameof(OrderFailed));
        Assert.Equal((OrderStatus.Failed, "cancelled"), (order.Status, order.FailureReason));
    }

    [Fact]
    public void AShippedPartRefusesTheBuyersCancelAndSendsNothing()
    {
        var order = ConfirmedOrder();
        Apply(order, Created(order, SellerA), Created(order, SellerB));

        Assert.True(OrderFulfillment.Apply(order, Shipped(order, SellerA), Now));

        Assert.Equal(CancelOutcome.AlreadyShipped, OrderSaga.Cancel(order, Now, out var messages));
        Assert.Empty(messages);
        Assert.Equal((SagaStep.Confirmed, OrderStatus.Confirmed, false), (order.Step, order.Status, order.CancelRequested));
        Assert.Equal(FulfillmentStatus.PartiallyShipped, OrderView.From(order).Fulfillment!.Status);
    }

    [Fact]
    public void APartMovesOnlyForwardAndARepeatedEventChangesNothing()
    {
        var order = ConfirmedOrder();
        var created = Created(order, SellerA);
        Assert.True(OrderFulfillment.Apply(order, created, Now));
        Assert.False(OrderFulfillment.Apply(order, created, Now));
        Assert.True(OrderFulfillment.Apply(order, Delivered(order, SellerA, created.ShipmentId), Now));

        // Late or replayed: a delivered part is not shipped, created or cancelled again.
        Assert.False(OrderFulfillment.Apply(order, Shipped(order, SellerA, created.ShipmentId), Now));
        Assert.False(OrderFulfillment.Apply(order, created, Now));
        Assert.False(OrderFulfillment.Apply(order, Cancelled(order, SellerA, created.ShipmentId), Now));

        var part = Assert.Single(order.Shipments);
        Assert.Equal((PartStatus.Delivered, SellerA), (part.Status, part.SellerId));
        Assert.Equal(["shipment_created", "shipment_delivered"], order.Timeline.Where(t => t.Step.StartsWith("shipment", StringComparison.Ordinal)).Select(t => t.Step));
    }

    [Fact]
    public void TheOrdersFulfillmentIsSummedUpFromItsPartsAndTheOrderStaysConfirmed()
    {
        var order = ConfirmedOrder();
        Assert.Null(OrderView.From(NewOrder()).Fulfillment);
        var waiting = OrderView.From(order).Fulfillment!;
        Assert.Equal(FulfillmentStatus.AwaitingShipment, waiting.Status);
        Assert.Equal([(SellerA, PartStatus.Pending), (SellerB, PartStatus.Pending)], waiting.Parts.Select(p => (p.SellerId, p.Status)));

        var a = Created(order, SellerA);
        var b = Created(order, SellerB);
        Apply(order, a, b, Cancelled(order, SellerB, b.ShipmentId));
        var partial = OrderView.From(order);
        Assert.Equal((OrderStatus.Confirmed, FulfillmentStatus.PartiallyFulfilled), (partial.Status, partial.Fulfillment!.Status));
        Assert.Equal([PartStatus.Pending, PartStatus.Cancelled], partial.Fulfillment.Parts.Select(p => p.Status));

        Apply(order, Shipped(order, SellerA, a.ShipmentId), Delivered(order, SellerA, a.ShipmentId));
        Assert.Equal(FulfillmentStatus.PartiallyFulfilled, OrderView.From(order).Fulfillment!.Status);

        var both = ConfirmedOrder();
        var first = Created(both, SellerA);
        var second = Created(both, SellerB);
        Apply(both, first, second, Shipped(both, SellerA, first.ShipmentId), Shipped(both, SellerB, second.ShipmentId));
        Assert.Equal(FulfillmentStatus.Shipped, OrderView.From(both).Fulfillment!.Status);
        Apply(both, Delivered(both, SellerA, first.ShipmentId), Delivered(both, SellerB, second.ShipmentId));
        Assert.Equal(FulfillmentStatus.Delivered, OrderView.From(both).Fulfillment!.Status);
    }

    [Fact]
    public void WhenEverySellerCancelledItsPartTheFulfillmentIsCancelledAndTheBuyerHasNothingLeftToCancel()
    {
        // One part cancelled by its seller: the buyer may still cancel the rest, which the saga compensates as a whole.
        var partly = ConfirmedOrder();
        Apply(partly, Cancelled(partly, SellerA, Guid.NewGuid()));
        Assert.Equal(CancelOutcome.Accepted, OrderSaga.Cancel(partly, Now, out var compensation));
        Assert.Equal(2, compensation.Count);

        var order = ConfirmedOrder();
        Apply(order, Cancelled(order, SellerA, Guid.NewGuid()), Cancelled(order, SellerB, Guid.NewGuid()));

        Assert.Equal(CancelOutcome.NothingLeft, OrderSaga.Cancel(order, Now, out var messages));

        Assert.Empty(messages);
        var view = OrderView.From(order);
        Assert.Equal((OrderStatus.Confirmed, FulfillmentStatus.Cancelled), (view.Status, view.Fulfillment!.Status));
    }

    [Fact]
    public void APartShippedAfterTheBuyersCancelWasAcceptedStaysShippedOnTheFailedOrder()
    {
        var order = ConfirmedOrder();
        var a = Created(order, SellerA);
        var b = Created(order, SellerB);
        Apply(order, a, b);
        Assert.Equal(CancelOutcome.Accepted, OrderSaga.Cancel(order, Now, out _));

        Assert.True(OrderFulfillment.Apply(order, Shipped(order, SellerA, a.ShipmentId), Now));
        Assert.True(OrderFulfillment.Apply(order, Cancelled(order, SellerB, b.ShipmentId, orderCancelled: true), Now));
        Assert.Equal("shipped_after_cancel", Assert.Single(order.Timeline, t => t.Step.Contains("shipped", StringComparison.Ordinal)).Step);
        // The compensation already asked for goes on: the cancel was accepted before the part shipped.
        Assert.Equal(CancelOutcome.Accepted, OrderSaga.Cancel(order, Now, out _));
        OrderSaga.Handle(order, new OrderStockReleased(order.Id), Now);
        OrderSaga.Handle(order, new PaymentRefunded(order.Id, Guid.NewGuid(), 40m, "USD", "cancelled"), Now);

        var view = OrderView.From(order);
        Assert.Equal(OrderStatus.Failed, view.Status);
        Assert.Equal([(SellerA, PartStatus.Shipped), (SellerB, PartStatus.Cancelled)], view.Fulfillment!.Parts.Select(p => (p.SellerId, p.Status)));
        Assert.True(order.Shipments.Single(s => s.SellerId == SellerB).CancelledWithOrder);
    }

    private static void Apply(Order order, params ShipmentEvent[] events)
    {
        foreach (var shipmentEvent in events)
        {
            Assert.True(OrderFulfillment.Apply(order, shipmentEvent, Now));
        }
    }

    internal static ShipmentCreated Created(Order order, Guid seller) =>
        new(order.Id, Guid.NewGuid(), seller, order.BuyerId, [.. Lines(order, seller)], 20m, "USD", Now);

    internal static ShipmentShipped Shipped(Order order, Guid seller, Guid? shipmentId = null) =>
        new(order.Id, shipmentId ?? order.Shipments.Single(s => s.SellerId == seller).ShipmentId, seller, order.BuyerId, "UPS", "1Z999", Now);

    internal static ShipmentDelivered Delivered(Order order, Guid seller, Guid shipmentId) => new(order.Id, shipmentId, seller, order.BuyerId, Now);

    internal static ShipmentCancelled Cancelled(Order order, Guid seller, Guid shipmentId, bool orderCancelled = false) =>
        new(order.Id, shipmentId, seller, order.BuyerId, [.. Lines(order, seller)], 20m, "USD", orderCancelled ? "order_cancelled" : "out_of_stock", Now, orderCancelled);

    private static IEnumerable<ShipmentLine> Lines(Order order, Guid seller) => order.Lines.Where(l => l.SellerId == seller)
        .Select(l => new ShipmentLine(l.SkuId, l.ProductId, l.ProductTitle, l.Quantity, l.UnitPrice, l.UnitPrice * l.Quantity));

    /// <summary>A sold order (two sellers, 2 × 10.00 each), as the saga confirms it.</summary>
    private static Order ConfirmedOrder()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now);
        OrderSaga.Handle(order, new PaymentSucceeded(order.Id, Guid.NewGuid(), order.Total, order.Currency), Now);
        OrderSaga.Handle(order, new OrderStockCommitted(order.Id), Now);
        Assert.Equal(SagaStep.Confirmed, order.Step);
        return order;
    }

    private static Order NewOrder()
    {
        var id = Guid.NewGuid();
        return new Order
        {
            Id = id,
            BuyerId = Guid.NewGuid(),
            Currency = "USD",
            Total = 40m,
            PaymentMethod = "4242424242424242",
            ShippingAddress = new ShippingAddress { Name = "Ada", Line1 = "1 Main St", City = "Springfield", PostalCode = "12345", Country = "US" },
            CreatedAt = Now,
            Lines =
            [
                Line(id, 1, SellerA),
                Line(id, 2, SellerB),
            ],
        };
    }

    private static API.Domain.OrderLine Line(Guid orderId, int number, Guid seller) => new()
    {
        OrderId = orderId, LineNumber = number, SkuId = Guid.NewGuid(), SellerId = seller, ProductId = Guid.NewGuid(),
        ProductTitle = $"Item {number}", SkuCode = $"IT-{number}", Quantity = 2, UnitPrice = 10m,
    };
}
