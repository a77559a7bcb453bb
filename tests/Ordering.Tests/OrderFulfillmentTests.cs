using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Inventory.Contracts;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.API.Events;
using AspireShop.Payment.Contracts;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.Ordering.Tests;

/// <summary>
/// Ordering follows Fulfillment's shipments on real Postgres and Kafka: the buyer sees each seller's part, a seller's
/// cancelled part makes the order partially fulfilled, a shipped part makes the buyer's cancel a 409, and a cancel
/// that raced the shipment is settled by the order row's version.
/// </summary>
public sealed class OrderFulfillmentTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly Guid _sellerA = Guid.NewGuid();
    private readonly Guid _sellerB = Guid.NewGuid();
    private OrderingApp _app = null!;

    public async Task InitializeAsync() => _app = await OrderingApp.StartAsync(infrastructure);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task ASellersCancelledPartShowsPartiallyFulfilledOnceAndAShippedPartMakesTheCancelA409()
    {
        var order = await InsertConfirmedOrderAsync();
        var a = OrderSagaFulfillmentTests.Created(order, _sellerA);
        var b = OrderSagaFulfillmentTests.Created(order, _sellerB);
        var cancelled = OrderSagaFulfillmentTests.Cancelled(order, _sellerB, b.ShipmentId);
        await PublishAsync(order, a);
        await PublishAsync(order, b);
        var cancelledId = await PublishAsync(order, cancelled);

        using var buyer = _app.As(new TestUser(order.BuyerId, null, "buyer"));
        var view = await FulfillmentAsync(buyer, order.Id, f => f?["status"]?.GetValue<string>() == FulfillmentStatus.PartiallyFulfilled);
        Assert.Equal(OrderStatus.Confirmed, view["status"]!.GetValue<string>());
        Assert.Equal(
            [(_sellerA, PartStatus.Pending), (_sellerB, PartStatus.Cancelled)],
            view["fulfillment"]!["parts"]!.AsArray().Select(p => (p!["sellerId"]!.GetValue<Guid>(), p["status"]!.GetValue<string>())));
        var listed = (await buyer.GetFromJsonAsync<JsonObject>("/api/orders"))!["items"]!.AsArray().Single(o => o!["id"]!.GetValue<Guid>() == order.Id)!;
        Assert.Equal(FulfillmentStatus.PartiallyFulfilled, listed["fulfillment"]!["status"]!.GetValue<string>());

        // Redelivered, and published again under a new id: the part is cancelled once.
        await PublishAsync(order, cancelled, cancelledId);
        await PublishAsync(order, cancelled);
        await PublishAsync(order, OrderSagaFulfillmentTests.Shipped(order, _sellerA, a.ShipmentId));
        var shipped = await FulfillmentAsync(buyer, order.Id, f => f?["parts"]?[0]?["status"]?.GetValue<string>() == PartStatus.Shipped);
        Assert.Equal("UPS", shipped["fulfillment"]!["parts"]![0]!["carrier"]!.GetValue<string>());
        Assert.Single(shipped["timeline"]!.AsArray(), t => t!["step"]!.GetValue<string>() == "shipment_cancelled");
        Assert.Equal(5L, await InboxAsync(ShipmentProgress.ConsumerGroup));

        var outboxBefore = await OutboxCountAsync(order.Id);
        using var cancel = await buyer.PostAsync($"/api/orders/{order.Id}/cancel", null);

        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Equal("application/problem+json", cancel.Content.Headers.ContentType?.MediaType);
        Assert.Contains("already shipped", (await cancel.Content.ReadFromJsonAsync<JsonObject>())!["title"]!.GetValue<string>(), StringComparison.Ordinal);
        var stored = await StoredAsync(order.Id);
        Assert.Equal((SagaStep.Confirmed, OrderStatus.Confirmed, false), (stored.Step, stored.Status, stored.CancelRequested));
        Assert.Equal(outboxBefore, await OutboxCountAsync(order.Id));
    }

    [Fact]
    public async Task ACancelThatReadTheOrderBeforeItsPartShippedLosesTheRowAndIsThenRefused()
    {
        var order = await InsertConfirmedOrderAsync();
        var a = OrderSagaFulfillmentTests.Created(order, _sellerA);
        await HandleAsync(a);

        // The cancel read the order (nothing shipped) and decided; the shipment commits before the cancel does.
        await using var cancelScope = _app.Services.CreateAsyncScope();
        var cancelDb = cancelScope.ServiceProvider.GetRequiredService<OrderingContext>();
        var read = await cancelDb.Orders.SingleAsync(o => o.Id == order.Id);
        Assert.Equal(CancelOutcome.Accepted, OrderSaga.Cancel(read, DateTimeOffset.UtcNow, out var messages));
        await HandleAsync(OrderSagaFulfillmentTests.Shipped(order, _sellerA, a.ShipmentId));
        foreach (var message in messages)
        {
            cancelDb.AddOutboxEvent(message);
        }

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => cancelDb.SaveChangesAsync());

        // Read again, as the endpoint's retry does: the part shipped, so the order is not compensated.
        using var buyer = _app.As(new TestUser(order.BuyerId, null, "buyer"));
        using var cancel = await buyer.PostAsync($"/api/orders/{order.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        var stored = await StoredAsync(order.Id);
        Assert.Equal((SagaStep.Confirmed, false, PartStatus.Shipped), (stored.Step, stored.CancelRequested, Assert.Single(stored.Shipments).Status));
    }

    [Fact]
    public async Task APartShippedAfterTheCancelStaysShippedAndASellersRefundNeverSettlesTheCompensation()
    {
        var order = await InsertConfirmedOrderAsync();
        var a = OrderSagaFulfillmentTests.Created(order, _sellerA);
        var b = OrderSagaFulfillmentTests.Created(order, _sellerB);
        await PublishAsync(order, a);
        await PublishAsync(order, b);
        using var buyer = _app.As(new TestUser(order.BuyerId, null, "buyer"));
        await FulfillmentAsync(buyer, order.Id, f => f?["parts"]?.AsArray().All(p => p?["shipmentId"] is not null) == true);

        using (var cancel = await buyer.PostAsync($"/api/orders/{order.Id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        // Seller A shipped before Fulfillment heard of the cancel; B's open part is cancelled with the order.
        await PublishAsync(order, OrderSagaFulfillmentTests.Shipped(order, _sellerA, a.ShipmentId));
        await PublishAsync(order, OrderSagaFulfillmentTests.Cancelled(order, _sellerB, b.ShipmentId, orderCancelled: true));
        var raced = await FulfillmentAsync(buyer, order.Id, f => f?["parts"]?.AsArray().All(p => p?["status"]?.GetValue<string>() != PartStatus.Pending) == true);
        Assert.Contains(raced["timeline"]!.AsArray(), t => t!["step"]!.GetValue<string>() == "shipped_after_cancel");

        var sellerRefund = await _app.PublishAsync<PaymentEvent>(
            PaymentReplies.ConsumerGroup, order.Id, new PaymentRefunded(order.Id, Guid.NewGuid(), 20m, "USD", ShipmentCancelled.RefundReason(_sellerB)));
        await Poll.UntilAsync(() => InboxAsync(PaymentReplies.ConsumerGroup, sellerRefund), n => n == 1, Deadline, n => $"{n} inbox rows");
        await _app.PublishAsync<OrderStockEvent>(OrderStockReplies.ConsumerGroup, order.Id, new OrderStockReleased(order.Id));
        var released = await Poll.UntilAsync(() => StoredAsync(order.Id), o => o.StockReleased, Deadline, o => $"{o.Step}, stock released {o.StockReleased}");
        Assert.Equal((SagaStep.Compensating, false), (released.Step, released.PaymentSettled));

        await _app.PublishAsync<PaymentEvent>(PaymentReplies.ConsumerGroup, order.Id, new PaymentRefunded(order.Id, Guid.NewGuid(), 40m, "USD", "cancelled"));
        var failed = await Poll.UntilAsync(() => StoredAsync(order.Id), o => o.Step == SagaStep.Failed, Deadline, o => o.Step.ToString());
        Assert.Equal((OrderStatus.Failed, "cancelled"), (failed.Status, failed.FailureReason));
        var view = (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{order.Id}"))!;
        Assert.Equal(
            [(_sellerA, PartStatus.Shipped), (_sellerB, PartStatus.Cancelled)],
            view["fulfillment"]!["parts"]!.AsArray().Select(p => (p!["sellerId"]!.GetValue<Guid>(), p["status"]!.GetValue<string>())).OrderBy(p => p.Item1 == _sellerB));
    }

    private Task<string> PublishAsync(Order order, ShipmentEvent shipment, string? messageId = null) =>
        _app.PublishAsync<ShipmentEvent>(ShipmentProgress.ConsumerGroup, order.Id, shipment, messageId);

    /// <summary>Hands an event straight to the handler, as the consumer host would (one attempt, its own scope).</summary>
    private async Task HandleAsync(ShipmentEvent shipment)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var message = new ReceivedMessage(
            _app.Topics[ShipmentProgress.ConsumerGroup], 0, 0, shipment.OrderId.ToString(), "{}",
            new Dictionary<string, string> { [ReceivedMessage.IdHeader] = Guid.NewGuid().ToString() }, 1);
        await scope.ServiceProvider.GetRequiredService<ShipmentProgress>().HandleAsync(shipment, message, CancellationToken.None);
    }

    private static Task<JsonObject> FulfillmentAsync(HttpClient buyer, Guid orderId, Func<JsonNode?, bool> done) =>
        Poll.UntilAsync(
            async () => (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}"))!,
            order => done(order["fulfillment"]),
            Deadline,
            order => order["fulfillment"]?.ToJsonString() ?? "no fulfillment");

    private async Task<Order> StoredAsync(Guid orderId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrderingContext>().Orders.AsNoTracking().SingleAsync(o => o.Id == orderId);
    }

    private async Task<int> OutboxCountAsync(Guid orderId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrderingContext>().Set<OutboxMessage>().CountAsync(m => m.AggregateId == orderId.ToString());
    }

    /// <summary>Messages <paramref name="consumer"/> recorded in this test's database (only <paramref name="messageId"/> when given).</summary>
    private async Task<long> InboxAsync(string consumer, string? messageId = null)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var inbox = scope.ServiceProvider.GetRequiredService<OrderingContext>().Set<InboxEntry>().Where(e => e.Consumer == consumer);
        return await (messageId is null ? inbox : inbox.Where(e => e.MessageId == messageId)).LongCountAsync();
    }

    /// <summary>A sold order of two sellers (2 × 10.00 each), moved to CONFIRMED by the saga and stored with its outbox.</summary>
    private async Task<Order> InsertConfirmedOrderAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrderingContext>();
        var id = Guid.CreateVersion7();
        var order = new Order
        {
            Id = id,
            BuyerId = Guid.NewGuid(),
            Currency = "USD",
            Total = 40m,
            PaymentMethod = "4242424242424242",
            ShippingAddress = new ShippingAddress { Name = "Ada", Line1 = "1 Main St", City = "Springfield", PostalCode = "12345", Country = "US" },
            CreatedAt = Now,
            Lines = [Line(id, 1, _sellerA), Line(id, 2, _sellerB)],
        };
        IEnumerable<OutboxEvent> messages =
        [
            .. OrderSaga.Start(order, Now),
            .. OrderSaga.Handle(order, new OrderStockReserved(id), Now),
            .. OrderSaga.Handle(order, new PaymentSucceeded(id, Guid.NewGuid(), 40m, "USD"), Now),
            .. OrderSaga.Handle(order, new OrderStockCommitted(id), Now),
        ];
        foreach (var message in messages)
        {
            db.AddOutboxEvent(message);
        }

        db.Orders.Add(order);
        await db.SaveChangesAsync();
        Assert.Equal(SagaStep.Confirmed, order.Step);
        return order;
    }

    private static OrderLine Line(Guid orderId, int number, Guid seller) => new()
    {
        OrderId = orderId, LineNumber = number, SkuId = Guid.NewGuid(), SellerId = seller, ProductId = Guid.NewGuid(),
        ProductTitle = $"Item {number}", SkuCode = $"IT-{number}", Quantity = 2, UnitPrice = 10m,
    };
}
