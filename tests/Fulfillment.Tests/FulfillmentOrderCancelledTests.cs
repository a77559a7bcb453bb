using System.Net;
using System.Net.Http.Json;
using AspireShop.Fulfillment.API.Apis;
using AspireShop.Fulfillment.API.Domain;
using AspireShop.Fulfillment.API.Events;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Ordering.Contracts;
using AspireShop.TestKit;
using ShipmentLine = AspireShop.Fulfillment.Contracts.ShipmentLine;

namespace AspireShop.Fulfillment.Tests;

/// <summary>
/// Ordering's OrderFailed for a confirmed order (its buyer cancelled it): the shipments not yet shipped are cancelled
/// once each and published with OrderCancelled (the saga refunds and restocks), whatever is shipped stays.
/// </summary>
public sealed class FulfillmentOrderCancelledTests(FulfillmentFixture fixture) : IClassFixture<FulfillmentFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private FulfillmentApp App => fixture.App;

    [Fact]
    public async Task ACancelledOrderCancelsItsOpenShipmentsOnceAndLeavesTheShippedOneAsItIs()
    {
        var (created, packed, shipped, sellerCancelled) = (TestUser.NewSeller(), TestUser.NewSeller(), TestUser.NewSeller(), TestUser.NewSeller());
        var order = Orders.Confirmed(
            Guid.NewGuid(),
            Orders.Line(created.SellerId!.Value, 2, 19.99m, "Rain jacket"),
            Orders.Line(created.SellerId!.Value, 1, 3.50m, "Laces"),
            Orders.Line(packed.SellerId!.Value, 1, 5m, "Socks"),
            Orders.Line(shipped.SellerId!.Value, 1, 7m, "Hat"),
            Orders.Line(sellerCancelled.SellerId!.Value, 4, 2m, "Pegs"));
        var shipments = await App.ConfirmAsync(order);
        await MoveAsync(packed, shipments[packed.SellerId!.Value].Id, "pack");
        await MoveAsync(shipped, shipments[shipped.SellerId!.Value].Id, "ship", new ShipRequest("DHL", "JD014600"));
        await MoveAsync(sellerCancelled, shipments[sellerCancelled.SellerId!.Value].Id, "cancel", new CancelShipmentRequest("damaged"));
        var failed = new OrderFailed(order.OrderId, order.BuyerId, "cancelled", DateTimeOffset.UtcNow);

        // Delivered by Kafka, redelivered (same id), re-sent under a new id: one order's messages share a partition, so
        // once the last is handled, so is everything before it.
        var first = await App.PublishAsync(failed);
        await App.PublishAsync(failed, first);
        var last = await App.PublishAsync(failed);
        await Poll.UntilAsync(() => App.HandledAsync(last), handled => handled, Deadline, _ => "the last OrderFailed was not handled");

        var after = (await App.ShipmentsAsync(order.OrderId)).ToDictionary(s => s.SellerId);
        Assert.Equal((ShipmentStatus.Cancelled, OrderEventsHandler.OrderCancelledReason), (after[created.SellerId!.Value].Status, after[created.SellerId!.Value].CancelReason));
        Assert.Equal((ShipmentStatus.Cancelled, OrderEventsHandler.OrderCancelledReason), (after[packed.SellerId!.Value].Status, after[packed.SellerId!.Value].CancelReason));
        Assert.Equal((ShipmentStatus.Shipped, null), (after[shipped.SellerId!.Value].Status, after[shipped.SellerId!.Value].CancelReason));
        Assert.Equal((ShipmentStatus.Cancelled, "damaged"), (after[sellerCancelled.SellerId!.Value].Status, after[sellerCancelled.SellerId!.Value].CancelReason));

        var cancellations = (await App.EventsAsync(order.OrderId)).OfType<ShipmentCancelled>().ToList();
        var byOrder = cancellations.Where(c => c.OrderCancelled).ToDictionary(c => c.SellerId);
        Assert.Equal(new[] { created.SellerId!.Value, packed.SellerId!.Value }.Order(), byOrder.Keys.Order());
        var jacket = byOrder[created.SellerId!.Value];
        Assert.Equal(
            (order.OrderId, after[created.SellerId!.Value].Id, order.BuyerId, 43.48m, "USD", OrderEventsHandler.OrderCancelledReason),
            (jacket.OrderId, jacket.ShipmentId, jacket.BuyerId, jacket.Amount, jacket.Currency, jacket.Reason));
        Assert.Equal(
            [new ShipmentLine(order.Lines[0].SkuId, order.Lines[0].ProductId, "Rain jacket", 2, 19.99m, 39.98m), new ShipmentLine(order.Lines[1].SkuId, order.Lines[1].ProductId, "Laces", 1, 3.50m, 3.50m)],
            jacket.Lines);
        Assert.Equal(5m, byOrder[packed.SellerId!.Value].Amount);
        // The seller's own cancel was published once, as a seller's (refund and restock), and not again for the order.
        var own = Assert.Single(cancellations, c => c.SellerId == sellerCancelled.SellerId!.Value);
        Assert.False(own.OrderCancelled);
        Assert.DoesNotContain(cancellations, c => c.SellerId == shipped.SellerId!.Value);
    }

    [Fact]
    public async Task AnOrderConfirmedThenCancelledAtOnceEndsWithEveryShipmentCancelled()
    {
        var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(Guid.NewGuid()), Orders.Line(Guid.NewGuid()));

        // Back to back on one partition: the failure is handled after the shipments it cancels exist.
        await App.PublishAsync(order, address: Orders.Address);
        await App.PublishAsync(new OrderFailed(order.OrderId, order.BuyerId, "cancelled", DateTimeOffset.UtcNow));

        var shipments = await Poll.UntilAsync(
            () => App.ShipmentsAsync(order.OrderId),
            all => all.Count == 2 && all.All(s => s.Status == ShipmentStatus.Cancelled),
            Deadline,
            all => $"shipments: {string.Join(", ", all.Select(s => s.Status))}");
        var events = await App.EventsAsync(order.OrderId);
        Assert.Equal(2, events.OfType<ShipmentCreated>().Count());
        Assert.Equal(shipments.Select(s => s.Id).Order(), events.OfType<ShipmentCancelled>().Where(c => c.OrderCancelled).Select(c => c.ShipmentId).Order());
    }

    [Fact]
    public async Task AFailedOrderHandledTwiceStraightThroughTheHandlerCancelsOnce()
    {
        var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(Guid.NewGuid()));
        await App.ConfirmAsync(order);
        var failed = new OrderFailed(order.OrderId, order.BuyerId, "cancelled", DateTimeOffset.UtcNow);

        // A redelivery (the inbox stops it) and a re-send under a new id (the shipment is already cancelled).
        await App.HandleAsync(failed, "failed-1-" + order.OrderId);
        await App.HandleAsync(failed, "failed-1-" + order.OrderId);
        await App.HandleAsync(failed);

        var shipment = Assert.Single(await App.ShipmentsAsync(order.OrderId));
        Assert.Equal(ShipmentStatus.Cancelled, shipment.Status);
        Assert.Equal(shipment.Id, Assert.Single((await App.EventsAsync(order.OrderId)).OfType<ShipmentCancelled>()).ShipmentId);
    }

    private async Task MoveAsync(TestUser seller, Guid id, string move, object? body = null)
    {
        using var client = App.As(seller);
        using var response = body is null
            ? await client.PostAsync($"/api/fulfillment/shipments/{id}/{move}", null)
            : await client.PostAsJsonAsync($"/api/fulfillment/shipments/{id}/{move}", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{move}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
