using AspireShop.Fulfillment.Contracts;
using AspireShop.Inventory.API.Events;
using AspireShop.Inventory.Contracts;
using AspireShop.TestKit;

namespace AspireShop.Inventory.Tests;

/// <summary>
/// Fulfillment's ShipmentCancelled, driven through Kafka as its outbox relay would: a seller's cancelled part of a
/// committed order goes back on that seller's shelf once, however often the event comes, and no other seller's stock
/// moves; a part cancelled with its whole order is left to the OrderSaga's release, which never restocks a unit twice.
/// </summary>
public sealed class SellerCancelRestockTests(InventoryFixture fixture) : IClassFixture<InventoryFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private InventoryApp App => fixture.App;

    [Fact]
    public async Task ASellersCancelledPartGoesBackOnHandOnceAndTheOtherSellersStockIsUntouched()
    {
        // Two sellers offer the same SKU: only the cancelling seller's row of it may move.
        var (sku, sellerA) = await CreateStockAsync(10);
        var sellerB = Guid.NewGuid();
        await CreateStockAsync(sku, sellerB, 10);
        var (other, _) = await CreateStockAsync(5, sellerB);
        var order = await CommittedOrderAsync(new OrderStockLine(sku, sellerA, 3, null), new OrderStockLine(sku, sellerB, 2, null), new OrderStockLine(other, sellerB, 1, null));
        Assert.Equal([(7, 0, 7), (8, 0, 8), (4, 0, 4)], await CountsAsync((sku, sellerA), (sku, sellerB), (other, sellerB)));

        // Delivered, redelivered (same id), re-sent under a new id: one order's events share a partition, so once the
        // last is handled, so is everything before it.
        var cancelled = Cancelled(order, sellerA, orderCancelled: false, (sku, 3));
        var first = await App.SendShipmentEventAsync(cancelled);
        await App.SendShipmentEventAsync(cancelled, first);
        var last = await App.SendShipmentEventAsync(cancelled);
        await HandledAsync(last);

        Assert.Equal([(10, 0, 10), (8, 0, 8), (4, 0, 4)], await CountsAsync((sku, sellerA), (sku, sellerB), (other, sellerB)));
        Assert.Equal(1L, await RestocksAsync(sku, sellerA));
        Assert.Equal(0L, await RestocksAsync(sku, sellerB));
        Assert.Equal("returned", await App.QueryScalarAsync<string>("SELECT status FROM reservations WHERE order_id = $1 AND seller_id = $2", order, sellerA));
        Assert.Equal(2L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE order_id = $1 AND seller_id = $2 AND status = 'confirmed'", order, sellerB));
        Assert.Equal(10, (await App.AvailabilityEventsAsync(sku, sellerA))[^1].Available);
        Assert.Equal(8, (await App.AvailabilityEventsAsync(sku, sellerB))[^1].Available);
        // The rest of the order is still sold, and the saga, which asked nothing, hears nothing.
        Assert.Equal("committed", await App.QueryScalarAsync<string>("SELECT status FROM order_stock WHERE order_id = $1", order));
        Assert.Equal(2, (await App.OrderRepliesAsync(order)).Count);

        // The buyer then cancels the rest: the saga's release restocks the other seller's part, not this one again.
        await App.SendOrderCommandAsync(new ReleaseOrderStock(order));
        await Poll.UntilAsync(() => App.OrderRepliesAsync(order), replies => replies.Count >= 3, Deadline, replies => $"{replies.Count} of 3 replies");
        Assert.Equal([(10, 0, 10), (10, 0, 10), (5, 0, 5)], await CountsAsync((sku, sellerA), (sku, sellerB), (other, sellerB)));
        Assert.Equal(1L, await RestocksAsync(sku, sellerA));
    }

    [Fact]
    public async Task APartCancelledWithItsOrderAndTheOtherShipmentEventsRestockNothing()
    {
        var (skuA, sellerA) = await CreateStockAsync(10);
        var (skuB, sellerB) = await CreateStockAsync(10);
        var order = await CommittedOrderAsync(new OrderStockLine(skuA, sellerA, 3, null), new OrderStockLine(skuB, sellerB, 2, null));
        var buyer = Guid.NewGuid();

        await App.SendShipmentEventAsync(new ShipmentCreated(order, Guid.NewGuid(), sellerA, buyer, [Line(skuA, 3)], 30m, "USD", DateTimeOffset.UtcNow));
        await App.SendShipmentEventAsync(new ShipmentShipped(order, Guid.NewGuid(), sellerA, buyer, "DHL", "JD014600", DateTimeOffset.UtcNow));
        await App.SendShipmentEventAsync(Cancelled(order, sellerA, orderCancelled: true, (skuA, 3)));
        // A seller's cancel behind them on the same partition: once it is handled, so are they.
        await HandledAsync(await App.SendShipmentEventAsync(Cancelled(order, sellerB, orderCancelled: false, (skuB, 2))));

        Assert.Equal([(7, 0, 7), (10, 0, 10)], await CountsAsync((skuA, sellerA), (skuB, sellerB)));
        Assert.Equal(0L, await RestocksAsync(skuA, sellerA));
        Assert.Equal("confirmed", await App.QueryScalarAsync<string>("SELECT status FROM reservations WHERE order_id = $1 AND seller_id = $2", order, sellerA));
        Assert.Equal(7, (await App.AvailabilityEventsAsync(skuA, sellerA))[^1].Available);
    }

    [Fact]
    public async Task ACancelledPartOfAnOrderInventoryNeverReservedIsDeadLetteredAndChangesNothing()
    {
        var (sku, seller) = await CreateStockAsync(10);
        var order = Guid.NewGuid();

        var id = await App.SendShipmentEventAsync(Cancelled(order, seller, orderCancelled: false, (sku, 3)));

        var dead = await TopicReader.FirstAsync(App.Kafka, App.ShipmentsDeadLetterTopic, m => m.Key == order.ToString(), Deadline, () => "the cancel was not dead-lettered");
        Assert.Contains(order.ToString(), dead.Value, StringComparison.Ordinal);
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM inbox WHERE message_id = $1", id));
        Assert.Equal([(10, 0, 10)], await CountsAsync((sku, seller)));
    }

    /// <summary>Reserved and committed through the saga's commands, as a confirmed order is; returns its id.</summary>
    private async Task<Guid> CommittedOrderAsync(params OrderStockLine[] lines)
    {
        var order = Guid.NewGuid();
        await App.SendOrderCommandAsync(new ReserveOrderStock(order, Guid.NewGuid(), lines));
        await App.SendOrderCommandAsync(new CommitOrderStock(order));
        var replies = await Poll.UntilAsync(() => App.OrderRepliesAsync(order), r => r.Count >= 2, Deadline, r => $"{r.Count} of 2 replies");
        Assert.Equal([new OrderStockReserved(order), new OrderStockCommitted(order)], replies.Select(r => r.Reply));
        return order;
    }

    private static ShipmentCancelled Cancelled(Guid order, Guid seller, bool orderCancelled, params (Guid Sku, int Quantity)[] lines) =>
        new(order, Guid.NewGuid(), seller, Guid.NewGuid(), [.. lines.Select(l => Line(l.Sku, l.Quantity))], lines.Sum(l => l.Quantity * 10m), "USD",
            orderCancelled ? "order_cancelled" : "cancelled_by_seller", DateTimeOffset.UtcNow, orderCancelled);

    private static ShipmentLine Line(Guid sku, int quantity) => new(sku, Guid.NewGuid(), "Rain jacket", quantity, 10m, quantity * 10m);

    private Task<long> HandledAsync(string messageId) =>
        Poll.UntilAsync(
            () => App.QueryScalarAsync<long>("SELECT count(*) FROM inbox WHERE consumer = $1 AND message_id = $2", ShipmentCancelledHandler.ConsumerGroup, messageId),
            count => count == 1,
            Deadline,
            _ => $"shipment event {messageId} was not handled");

    private Task<long> RestocksAsync(Guid sku, Guid seller) =>
        App.QueryScalarAsync<long>("SELECT count(*) FROM stock_movements WHERE sku_id = $1 AND seller_id = $2 AND kind = 'restock'", sku, seller);

    private async Task<List<(int, int, int)>> CountsAsync(params (Guid Sku, Guid Seller)[] rows)
    {
        var counts = new List<(int, int, int)>();
        foreach (var (sku, seller) in rows)
        {
            counts.Add(await App.StockAsync(sku, seller) is { } s ? (s.OnHand, s.Reserved, s.Available) : throw new InvalidOperationException("No stock row."));
        }

        return counts;
    }

    private async Task<(Guid SkuId, Guid SellerId)> CreateStockAsync(int onHand, Guid? sellerId = null)
    {
        if (sellerId is { } seller)
        {
            var sku = Guid.NewGuid();
            await CreateStockAsync(sku, seller, onHand);
            return (sku, seller);
        }

        var (skuId, owner) = await App.CreateStockAsync(onHand);
        return (skuId, owner.SellerId!.Value);
    }

    /// <summary>The seller's offer of <paramref name="sku"/>, published as Catalog would, with <paramref name="onHand"/> set once Inventory knows it.</summary>
    private async Task CreateStockAsync(Guid sku, Guid seller, int onHand)
    {
        await App.PublishOfferAsync("c", sku, seller);
        using var client = App.As(new TestUser(Guid.NewGuid(), seller, "seller"));
        await OfferedStock.SetAsync(client, sku, seller, onHand);
    }
}
