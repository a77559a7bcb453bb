using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Fulfillment.API.Domain;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Ordering.Contracts;
using AspireShop.TestKit;
using ShipmentLine = AspireShop.Fulfillment.Contracts.ShipmentLine;

namespace AspireShop.Fulfillment.Tests;

/// <summary>Ordering's OrderConfirmed, through the real consumer (Kafka) and straight through the handler: one shipment per seller, once.</summary>
public sealed class FulfillmentOrderTests(FulfillmentFixture fixture) : IClassFixture<FulfillmentFixture>
{
    private FulfillmentApp App => fixture.App;

    [Fact]
    public async Task ATwoSellerOrderSplitsIntoOneShipmentPerSellerWithItsLinesBuyerAndAddress()
    {
        var (sellerA, sellerB, buyer) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var order = Orders.Confirmed(buyer, Orders.Line(sellerA, 2, 19.99m, "Rain jacket"), Orders.Line(sellerB, 1, 5m, "Socks"), Orders.Line(sellerA, 3, 1.50m, "Laces"));

        await App.PublishAsync(order, address: Orders.Address);

        var shipments = (await App.WaitForShipmentsAsync(order.OrderId, 2)).ToDictionary(s => s.SellerId);
        Assert.Equal(new[] { sellerA, sellerB }.Order(), shipments.Keys.Order());
        var a = shipments[sellerA];
        Assert.Equal((ShipmentStatus.Created, buyer, "USD", 44.48m), (a.Status, a.BuyerId, a.Currency, a.Amount));
        Assert.Equal(
            [(order.Lines[0].SkuId, 2, 19.99m, "Rain jacket"), (order.Lines[2].SkuId, 3, 1.50m, "Laces")],
            a.Lines.OrderBy(l => l.LineNumber).Select(l => (l.SkuId, l.Quantity, l.UnitPrice, l.ProductTitle)));
        Assert.Equal(order.Lines[1].SkuId, Assert.Single(shipments[sellerB].Lines).SkuId);
        Assert.All(shipments.Values, s => Assert.Equal(("Ada Lovelace", "London", "SW1Y 4JH", "GB"), (s.ShippingAddress!.Name, s.ShippingAddress.City, s.ShippingAddress.PostalCode, s.ShippingAddress.Country)));

        var created = (await App.EventsAsync(order.OrderId)).Cast<ShipmentCreated>().ToDictionary(e => e.SellerId);
        Assert.Equal(2, created.Count);
        Assert.Equal((a.Id, order.OrderId, buyer, 44.48m, "USD"), (created[sellerA].ShipmentId, created[sellerA].OrderId, created[sellerA].BuyerId, created[sellerA].Amount, created[sellerA].Currency));
        Assert.Equal(
            [new ShipmentLine(order.Lines[0].SkuId, order.Lines[0].ProductId, "Rain jacket", 2, 19.99m, 39.98m), new ShipmentLine(order.Lines[2].SkuId, order.Lines[2].ProductId, "Laces", 3, 1.50m, 4.50m)],
            created[sellerA].Lines);
        Assert.Equal(5m, created[sellerB].Amount);
    }

    [Fact]
    public async Task AnOrderConfirmedWithoutAnAddressStillShipsWithNone()
    {
        // An OrderConfirmed written before it carried ShipTo.
        var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(Guid.NewGuid()));

        await App.PublishAsync(order);

        var shipment = Assert.Single(await App.WaitForShipmentsAsync(order.OrderId, 1));
        Assert.Null(shipment.ShippingAddress);
    }

    [Fact]
    public async Task TheSameOrderConfirmedDeliveredTwiceCreatesNothingTwice()
    {
        var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(Guid.NewGuid()), Orders.Line(Guid.NewGuid()));
        var inboxBefore = await App.InboxCountAsync();

        // Redelivered by Kafka (same id), re-sent under a new id, and an empty one behind them on the same partition
        // (same key): once its inbox record is there, everything before it was handled.
        var id = await App.PublishAsync(order);
        await App.PublishAsync(order, id);
        await App.PublishAsync(order);
        await App.PublishAsync(order with { Lines = [] });
        await App.HandleAsync(order, id);

        await Poll.UntilAsync(App.InboxCountAsync, count => count >= inboxBefore + 3, TimeSpan.FromSeconds(30), count => $"{count - inboxBefore} of 3 messages handled");
        var shipments = await App.ShipmentsAsync(order.OrderId);
        Assert.Equal(2, shipments.Count);
        Assert.Equal(inboxBefore + 3, await App.InboxCountAsync());
        Assert.Equal(shipments.Select(s => s.Id).Order(), (await App.EventsAsync(order.OrderId)).Cast<ShipmentCreated>().Select(e => e.ShipmentId).Order());
    }

    [Fact]
    public async Task AnOrderNoRetryCouldStoreIsPoisonAndWritesNothing()
    {
        var seller = Guid.NewGuid();
        var inboxBefore = await App.InboxCountAsync();

        foreach (var order in new[] { Orders.Confirmed(Guid.NewGuid(), Orders.Line(seller, quantity: 0)), Orders.Confirmed(Guid.NewGuid(), Orders.Line(seller)) with { Currency = "EURO" } })
        {
            await Assert.ThrowsAsync<PoisonMessageException>(() => App.HandleAsync(order));
            Assert.Empty(await App.ShipmentsAsync(order.OrderId));
        }

        Assert.Equal(inboxBefore, await App.InboxCountAsync());
    }

    [Fact]
    public async Task AFailedOrderShipsNothing()
    {
        var failed = new OrderFailed(Guid.NewGuid(), Guid.NewGuid(), "out_of_stock", DateTimeOffset.UtcNow);

        await App.HandleAsync(failed);

        Assert.Empty(await App.ShipmentsAsync(failed.OrderId));
        Assert.Empty(await App.EventsAsync(failed.OrderId));
    }
}
