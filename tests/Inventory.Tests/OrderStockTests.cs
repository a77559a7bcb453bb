using System.Net;
using System.Net.Http.Json;
using AspireShop.Inventory.Contracts;
using AspireShop.TestKit;

namespace AspireShop.Inventory.Tests;

/// <summary>
/// Inventory's side of the OrderSaga, driven through Kafka as the saga's outbox relay would: an order takes over the
/// buyer's cart holds (which then outlive their TTL and ignore the cart), reserves again what is gone, all lines or
/// none; commit sells once, release gives back what was held or sold, and every command, however often it comes, is
/// answered from the order's record. Replies are read from the outbox, where CDC picks them up.
/// </summary>
public sealed class OrderStockTests(InventoryFixture fixture) : IClassFixture<InventoryFixture>
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private InventoryApp App => fixture.App;

    [Fact]
    public async Task ReserveTakesOverTheCartHoldsWhichThenOutliveTheirTtlAndIgnoreTheCart()
    {
        var buyer = TestUser.NewBuyer();
        using var cart = App.As(TestUser.NewService());
        var (jacket, jacketSeller) = await CreateStockAsync(10);
        var (scarf, scarfSeller) = await CreateStockAsync(5);
        var (hat, hatSeller) = await CreateStockAsync(6);
        var key = $"cart:{Guid.NewGuid():N}";
        var jacketHold = await Json.ReadAsync<ReservationBody>(await ReservationLifecycleTests.SendReserveAsync(cart, jacket, jacketSeller, buyer.Id, key, quantity: 3));
        var scarfHold = await HoldAsync(cart, scarf, scarfSeller, buyer.Id, 2, ttlSeconds: 2);
        var hatHold = await HoldAsync(cart, hat, hatSeller, buyer.Id, 4, ttlSeconds: 2);
        var before = (await App.StockAsync(jacket, jacketSeller), await App.StockAsync(scarf, scarfSeller));

        var orderId = Guid.NewGuid();
        await App.SendOrderCommandAsync(new ReserveOrderStock(orderId, buyer.Id,
        [
            new(jacket, jacketSeller, 3, jacketHold.Id),
            new(scarf, scarfSeller, 2, scarfHold.Id),
            // The buyer lowered the hat to 1 at checkout: the hold's surplus goes back on sale.
            new(hat, hatSeller, 1, hatHold.Id),
        ]));

        var replies = await RepliesAsync(orderId, 1);
        Assert.Equal([(nameof(OrderStockReserved), new OrderStockReserved(orderId))], replies);
        Assert.Equal(
            new[] { jacketHold.Id, scarfHold.Id, hatHold.Id }.Order(),
            (await App.QueryScalarAsync<Guid[]>("SELECT array_agg(id) FROM reservations WHERE order_id = $1 AND status = 'active'", orderId))!.Order());
        // Taken over, not taken again: the same units, no stock change, so no availability event either.
        Assert.Equal(before, (await App.StockAsync(jacket, jacketSeller), await App.StockAsync(scarf, scarfSeller)));
        Assert.Equal((6, 1, 5), Counts(await App.StockAsync(hat, hatSeller)));
        Assert.Equal(1, await App.QueryScalarAsync<int>("SELECT quantity FROM reservations WHERE id = $1", hatHold.Id));
        Assert.Equal("reserved", await App.QueryScalarAsync<string>("SELECT status FROM order_stock WHERE order_id = $1", orderId));

        // A hold nobody took over, due at the same time, proves the sweeper has run past the order's holds' TTL.
        var (control, controlSeller) = await CreateStockAsync(1);
        var controlHold = await HoldAsync(cart, control, controlSeller, buyer.Id, 1, ttlSeconds: 2);
        await Poll.UntilAsync(
            () => App.QueryScalarAsync<string>("SELECT status FROM reservations WHERE id = $1", controlHold.Id),
            status => status == "expired",
            TimeSpan.FromSeconds(20),
            status => $"the control hold is still {status}");
        Assert.True(DateTimeOffset.UtcNow > scarfHold.ExpiresAt);
        Assert.Equal(3L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE order_id = $1 AND status = 'active'", orderId));
        Assert.Equal((5, 2, 3), Counts(await App.StockAsync(scarf, scarfSeller)));
        var seen = await cart.GetFromJsonAsync<ReservationBody>($"/api/inventory/reservations/{scarfHold.Id}", Json.Options);
        Assert.Equal("active", seen!.Status);

        // The cart (and the buyer) can no longer release, resize or confirm them: 204 and 409, nothing changes.
        using var buyerClient = App.As(buyer);
        foreach (var client in new[] { cart, buyerClient })
        {
            using var release = await client.DeleteAsync($"/api/inventory/reservations/{jacketHold.Id}");
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
            using var resize = await client.PutAsJsonAsync($"/api/inventory/reservations/{jacketHold.Id}", new { quantity = 1 });
            Assert.Equal(HttpStatusCode.Conflict, resize.StatusCode);
        }

        using (var releaseByKey = await cart.DeleteAsync(
            $"/api/inventory/reservations?skuId={jacket}&sellerId={jacketSeller}&holderId={buyer.Id}&idempotencyKey={key}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, releaseByKey.StatusCode);
        }

        using (var confirm = await cart.PostAsync($"/api/inventory/reservations/{jacketHold.Id}/confirm", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, confirm.StatusCode);
        }

        Assert.Equal(before, (await App.StockAsync(jacket, jacketSeller), await App.StockAsync(scarf, scarfSeller)));
        Assert.Equal(3L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE order_id = $1 AND status = 'active'", orderId));
    }

    [Fact]
    public async Task LinesWhoseHoldIsGoneOrNotTheBuyersAreReservedAgainFromStock()
    {
        var buyer = TestUser.NewBuyer();
        using var cart = App.As(TestUser.NewService());
        var (expiredSku, expiredSeller) = await CreateStockAsync(5);
        var (releasedSku, releasedSeller) = await CreateStockAsync(5);
        var (otherSku, otherSeller) = await CreateStockAsync(5);
        var (noHoldSku, noHoldSeller) = await CreateStockAsync(5);
        var expired = await HoldAsync(cart, expiredSku, expiredSeller, buyer.Id, 2, ttlSeconds: 1);
        var released = await HoldAsync(cart, releasedSku, releasedSeller, buyer.Id, 2);
        using (var release = await cart.DeleteAsync($"/api/inventory/reservations/{released.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        }

        var someoneElses = await HoldAsync(cart, otherSku, otherSeller, Guid.NewGuid(), 1);
        await Poll.UntilAsync(
            () => App.QueryScalarAsync<string>("SELECT status FROM reservations WHERE id = $1", expired.Id),
            status => status == "expired",
            TimeSpan.FromSeconds(20),
            status => $"the hold is still {status}");

        var orderId = Guid.NewGuid();
        await App.SendOrderCommandAsync(new ReserveOrderStock(orderId, buyer.Id,
        [
            new(expiredSku, expiredSeller, 2, expired.Id),
            new(releasedSku, releasedSeller, 2, released.Id),
            new(otherSku, otherSeller, 1, someoneElses.Id),
            new(noHoldSku, noHoldSeller, 3, null),
        ]));

        Assert.IsType<OrderStockReserved>((await RepliesAsync(orderId, 1)).Single().Reply);
        var ids = (await App.QueryScalarAsync<Guid[]>("SELECT array_agg(id) FROM reservations WHERE order_id = $1 AND status = 'active' AND holder_id = $2", orderId, buyer.Id))!;
        Assert.Equal(4, ids.Length);
        Assert.DoesNotContain(expired.Id, ids);
        Assert.DoesNotContain(released.Id, ids);
        Assert.DoesNotContain(someoneElses.Id, ids);
        Assert.Equal((5, 2, 3), Counts(await App.StockAsync(expiredSku, expiredSeller)));
        Assert.Equal((5, 2, 3), Counts(await App.StockAsync(releasedSku, releasedSeller)));
        Assert.Equal((5, 2, 3), Counts(await App.StockAsync(otherSku, otherSeller)));
        Assert.Equal((5, 3, 2), Counts(await App.StockAsync(noHoldSku, noHoldSeller)));
        // The other buyer's hold is still theirs.
        Assert.Null(await App.QueryScalarAsync<Guid?>("SELECT order_id FROM reservations WHERE id = $1", someoneElses.Id));
        Assert.Equal(2, (await App.AvailabilityEventsAsync(noHoldSku, noHoldSeller))[^1].Available);
    }

    [Fact]
    public async Task AFlashHoldOfAnOpenSaleIsNotTakenOverButReservedAgainFromOrdinaryStock()
    {
        var buyer = TestUser.NewBuyer();
        using var cart = App.As(TestUser.NewService());
        var (skuId, seller) = await App.CreateStockAsync(10);
        var sellerId = seller.SellerId!.Value;
        using var sellerClient = App.As(seller);
        using var opened = await sellerClient.PostAsJsonAsync(
            "/api/inventory/flash-sales", new { skuId, sellerId, quantity = 5, endsAt = DateTimeOffset.UtcNow.AddMinutes(10) });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var sale = await Json.ReadAsync<FlashSaleBody>(opened);
        var flashHold = await HoldAsync(cart, skuId, sellerId, buyer.Id, 2);
        Assert.Equal(sale.Id, flashHold.FlashSaleId);

        var orderId = Guid.NewGuid();
        await App.SendOrderCommandAsync(new ReserveOrderStock(orderId, buyer.Id, [new(skuId, sellerId, 2, flashHold.Id)]));

        // The sale's counter owns the flash hold's units: the order takes 2 of the 5 ordinary ones instead.
        Assert.IsType<OrderStockReserved>((await RepliesAsync(orderId, 1)).Single().Reply);
        Assert.Equal((10, 7, 3), Counts(await App.StockAsync(skuId, sellerId)));
        Assert.DoesNotContain(flashHold.Id, (await App.QueryScalarAsync<Guid[]>("SELECT array_agg(id) FROM reservations WHERE order_id = $1", orderId))!);
        var stillHeld = await cart.GetFromJsonAsync<ReservationBody>($"/api/inventory/reservations/{flashHold.Id}", Json.Options);
        Assert.Equal("active", stillHeld!.Status);

        await App.SendOrderCommandAsync(new ReleaseOrderStock(orderId));
        await RepliesAsync(orderId, 2);
        Assert.Equal((10, 5, 5), Counts(await App.StockAsync(skuId, sellerId)));
        using var closed = await sellerClient.PostAsync($"/api/inventory/flash-sales/{sale.Id}/close", null);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
    }

    [Fact]
    public async Task ALineShortOfStockRejectsTheOrderAndChangesNothing()
    {
        var buyer = TestUser.NewBuyer();
        using var cart = App.As(TestUser.NewService());
        var (held, heldSeller) = await CreateStockAsync(5);
        var (scarce, scarceSeller) = await CreateStockAsync(2);
        var hold = await HoldAsync(cart, held, heldSeller, buyer.Id, 4);
        await HoldAsync(cart, scarce, scarceSeller, Guid.NewGuid(), 1);
        var before = (await App.StockAsync(held, heldSeller), await App.StockAsync(scarce, scarceSeller));

        var orderId = Guid.NewGuid();
        var reserve = new ReserveOrderStock(orderId, buyer.Id, [new(held, heldSeller, 3, hold.Id), new(scarce, scarceSeller, 2, null)]);
        await App.SendOrderCommandAsync(reserve);

        var replies = await RepliesAsync(orderId, 1);
        Assert.Equal(new OrderStockRejected(orderId, OrderStockRejected.OutOfStock), replies.Single().Reply);
        Assert.Equal(nameof(OrderStockRejected), replies.Single().Type);
        // The claim (and its surplus) was rolled back with the short line: the cart's hold is as it was.
        Assert.Equal(before, (await App.StockAsync(held, heldSeller), await App.StockAsync(scarce, scarceSeller)));
        Assert.Equal(4, await App.QueryScalarAsync<int>("SELECT quantity FROM reservations WHERE id = $1 AND status = 'active' AND order_id IS NULL", hold.Id));
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE order_id = $1", orderId));
        Assert.Equal("rejected", await App.QueryScalarAsync<string>("SELECT status FROM order_stock WHERE order_id = $1", orderId));

        // Sent again (the saga's timer), it is answered from the record, even though stock has come back meanwhile.
        using (var seller = App.As(new TestUser(Guid.NewGuid(), scarceSeller, "seller")))
        {
            await OfferedStock.SetAsync(seller, scarce, scarceSeller, 10);
        }

        await App.SendOrderCommandAsync(reserve);
        replies = await RepliesAsync(orderId, 2);
        Assert.All(replies, r => Assert.Equal(new OrderStockRejected(orderId, OrderStockRejected.OutOfStock), r.Reply));
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE order_id = $1", orderId));
    }

    [Fact]
    public async Task TheSameReserveDeliveredThreeTimesReservesOnceAndAnswersEachTime()
    {
        var buyer = TestUser.NewBuyer();
        var (sku, seller) = await CreateStockAsync(10);
        var orderId = Guid.NewGuid();
        var reserve = new ReserveOrderStock(orderId, buyer.Id, [new(sku, seller, 2, null)]);

        // Three sends (the saga's timers re-send), and a Kafka redelivery of the first, whose reply is already written.
        var first = await App.SendOrderCommandAsync(reserve);
        await App.SendOrderCommandAsync(reserve);
        await App.SendOrderCommandAsync(reserve, first);
        var last = await App.SendOrderCommandAsync(reserve);

        // One order's commands share a partition: once the last is handled, so is everything before it.
        await Poll.UntilAsync(
            () => App.QueryScalarAsync<long>("SELECT count(*) FROM inbox WHERE message_id = $1", last),
            count => count == 1,
            ReplyTimeout,
            _ => "the last send was not handled");
        var replies = await App.OrderRepliesAsync(orderId);
        Assert.Equal(3, replies.Count);
        Assert.All(replies, r => Assert.Equal((nameof(OrderStockReserved), new OrderStockReserved(orderId)), (r.Type, r.Reply)));
        Assert.Equal((10, 2, 8), Counts(await App.StockAsync(sku, seller)));
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE order_id = $1", orderId));
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM stock_movements WHERE sku_id = $1 AND kind = 'reserve'", sku));
    }

    [Fact]
    public async Task CommitSellsOnceEvenWhenDeliveredTwice()
    {
        var buyer = TestUser.NewBuyer();
        using var cart = App.As(TestUser.NewService());
        var (sku, seller) = await CreateStockAsync(10);
        var hold = await HoldAsync(cart, sku, seller, buyer.Id, 3);
        var orderId = Guid.NewGuid();
        await App.SendOrderCommandAsync(new ReserveOrderStock(orderId, buyer.Id, [new(sku, seller, 3, hold.Id)]));
        await RepliesAsync(orderId, 1);

        await App.SendOrderCommandAsync(new CommitOrderStock(orderId));
        await App.SendOrderCommandAsync(new CommitOrderStock(orderId));

        var replies = await RepliesAsync(orderId, 3);
        Assert.Equal([new OrderStockReserved(orderId), new OrderStockCommitted(orderId), new OrderStockCommitted(orderId)], replies.Select(r => r.Reply));
        Assert.Equal((7, 0, 7), Counts(await App.StockAsync(sku, seller)));
        Assert.Equal("confirmed", await App.QueryScalarAsync<string>("SELECT status FROM reservations WHERE id = $1", hold.Id));
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM stock_movements WHERE reservation_id = $1 AND kind = 'confirm'", hold.Id));
        Assert.Equal("committed", await App.QueryScalarAsync<string>("SELECT status FROM order_stock WHERE order_id = $1", orderId));
        Assert.Equal(7, (await App.AvailabilityEventsAsync(sku, seller))[^1].Available);
    }

    [Fact]
    public async Task ReleaseAfterReserveGivesTheUnitsBackOnce()
    {
        var buyer = TestUser.NewBuyer();
        using var cart = App.As(TestUser.NewService());
        var (held, heldSeller) = await CreateStockAsync(10);
        var (fresh, freshSeller) = await CreateStockAsync(4);
        var hold = await HoldAsync(cart, held, heldSeller, buyer.Id, 3);
        var orderId = Guid.NewGuid();
        await App.SendOrderCommandAsync(new ReserveOrderStock(orderId, buyer.Id, [new(held, heldSeller, 3, hold.Id), new(fresh, freshSeller, 4, null)]));
        await RepliesAsync(orderId, 1);
        Assert.Equal((4, 4, 0), Counts(await App.StockAsync(fresh, freshSeller)));

        await App.SendOrderCommandAsync(new ReleaseOrderStock(orderId));
        await App.SendOrderCommandAsync(new ReleaseOrderStock(orderId));

        var replies = await RepliesAsync(orderId, 3);
        Assert.Equal([new OrderStockReserved(orderId), new OrderStockReleased(orderId), new OrderStockReleased(orderId)], replies.Select(r => r.Reply));
        Assert.Equal((10, 0, 10), Counts(await App.StockAsync(held, heldSeller)));
        Assert.Equal((4, 0, 4), Counts(await App.StockAsync(fresh, freshSeller)));
        Assert.Equal(2L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE order_id = $1 AND status = 'released'", orderId));
        Assert.Equal(4, (await App.AvailabilityEventsAsync(fresh, freshSeller))[^1].Available);

        // The cart dropping the line afterwards returns nothing a second time.
        using var release = await cart.DeleteAsync($"/api/inventory/reservations/{hold.Id}");
        Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        Assert.Equal((10, 0, 10), Counts(await App.StockAsync(held, heldSeller)));
    }

    [Fact]
    public async Task ReleaseAfterCommitPutsTheSoldUnitsBackOnHand()
    {
        var buyer = TestUser.NewBuyer();
        var (sku, seller) = await CreateStockAsync(10);
        var orderId = Guid.NewGuid();
        await App.SendOrderCommandAsync(new ReserveOrderStock(orderId, buyer.Id, [new(sku, seller, 3, null)]));
        await App.SendOrderCommandAsync(new CommitOrderStock(orderId));
        await RepliesAsync(orderId, 2);
        Assert.Equal((7, 0, 7), Counts(await App.StockAsync(sku, seller)));

        await App.SendOrderCommandAsync(new ReleaseOrderStock(orderId));
        await App.SendOrderCommandAsync(new ReleaseOrderStock(orderId));

        var replies = await RepliesAsync(orderId, 4);
        Assert.Equal(
            [new OrderStockReserved(orderId), new OrderStockCommitted(orderId), new OrderStockReleased(orderId), new OrderStockReleased(orderId)],
            replies.Select(r => r.Reply));
        Assert.Equal((10, 0, 10), Counts(await App.StockAsync(sku, seller)));
        Assert.Equal("returned", await App.QueryScalarAsync<string>("SELECT status FROM reservations WHERE order_id = $1", orderId));
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM stock_movements WHERE sku_id = $1 AND kind = 'restock' AND on_hand_delta = 3", sku));
        Assert.Equal(10, (await App.AvailabilityEventsAsync(sku, seller))[^1].Available);
    }

    [Fact]
    public async Task AReserveArrivingAfterTheReleaseHoldsNothing()
    {
        var buyer = TestUser.NewBuyer();
        using var cart = App.As(TestUser.NewService());
        var (sku, seller) = await CreateStockAsync(10);
        var hold = await HoldAsync(cart, sku, seller, buyer.Id, 2);
        var orderId = Guid.NewGuid();

        await App.SendOrderCommandAsync(new ReleaseOrderStock(orderId));
        await App.SendOrderCommandAsync(new ReserveOrderStock(orderId, buyer.Id, [new(sku, seller, 2, hold.Id), new(sku, seller, 1, null)]));

        var replies = await RepliesAsync(orderId, 2);
        Assert.Equal([new OrderStockReleased(orderId), new OrderStockRejected(orderId, OrderStockRejected.Released)], replies.Select(r => r.Reply));
        Assert.Equal((10, 2, 8), Counts(await App.StockAsync(sku, seller)));
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE order_id = $1", orderId));
        Assert.Equal("active", await App.QueryScalarAsync<string>("SELECT status FROM reservations WHERE id = $1 AND order_id IS NULL", hold.Id));
    }

    [Fact]
    public async Task ACommitForAnOrderNeverReservedIsDeadLetteredAndAnswersNothing()
    {
        var orderId = Guid.NewGuid();
        var id = await App.SendOrderCommandAsync(new CommitOrderStock(orderId));

        var dead = await TopicReader.FirstAsync(
            App.Kafka, App.OrderCommandsDeadLetterTopic, m => m.Key == orderId.ToString(), ReplyTimeout, () => "the commit was not dead-lettered");
        Assert.Contains(orderId.ToString(), dead.Value, StringComparison.Ordinal);
        Assert.Empty(await App.OrderRepliesAsync(orderId));
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM inbox WHERE message_id = $1", id));
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM order_stock WHERE order_id = $1", orderId));
    }

    [Fact]
    public async Task OnlyAServiceConfirmsAHoldOverHttp()
    {
        var buyer = TestUser.NewBuyer();
        var (sku, seller) = await CreateStockAsync(10);
        using var buyerClient = App.As(buyer);
        var hold = await ReservationLifecycleTests.ReserveAsync(buyerClient, sku, seller, 3);

        // A buyer confirming its own hold would take the stock without paying; admins do not sell either.
        foreach (var user in new[] { buyer, TestUser.NewAdmin(), TestUser.NewSeller() })
        {
            using var client = App.As(user);
            using var refused = await client.PostAsync($"/api/inventory/reservations/{hold.Id}/confirm", null);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        Assert.Equal((10, 3, 7), Counts(await App.StockAsync(sku, seller)));
        using var service = App.As(TestUser.NewService());
        using var confirmed = await service.PostAsync($"/api/inventory/reservations/{hold.Id}/confirm", null);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("confirmed", (await Json.ReadAsync<ReservationBody>(confirmed)).Status);
        Assert.Equal((7, 0, 7), Counts(await App.StockAsync(sku, seller)));
    }

    [Fact]
    public async Task FortyOrdersRacingForTenUnitsReserveExactlyTen()
    {
        var (sku, seller) = await CreateStockAsync(10);
        var orders = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToList();

        await Task.WhenAll(orders.Select(orderId =>
            App.SendOrderCommandAsync(new ReserveOrderStock(orderId, Guid.NewGuid(), [new(sku, seller, 1, null)]))));

        var answered = await Poll.UntilAsync(
            () => App.QueryScalarAsync<long>("SELECT count(*) FROM order_stock WHERE order_id = ANY($1)", orders.ToArray()),
            count => count == 40,
            TimeSpan.FromSeconds(60),
            count => $"{count} of 40 orders answered");
        Assert.Equal(40L, answered);
        var replies = (await Task.WhenAll(orders.Select(App.OrderRepliesAsync))).Select(r => Assert.Single(r).Reply).ToList();
        Assert.Equal(10, replies.Count(r => r is OrderStockReserved));
        Assert.Equal(30, replies.Count(r => r is OrderStockRejected { Reason: OrderStockRejected.OutOfStock }));
        Assert.Equal((10, 10, 0), Counts(await App.StockAsync(sku, seller)));
        Assert.Equal(10L, await App.QueryScalarAsync<long>(
            "SELECT coalesce(sum(quantity), 0) FROM reservations WHERE sku_id = $1 AND status = 'active' AND order_id IS NOT NULL", sku));
        Assert.Equal(0L, await App.QueryScalarAsync<long>(
            "SELECT count(*) FROM stock_movements WHERE sku_id = $1 AND (on_hand_after < 0 OR reserved_after < 0 OR reserved_after > on_hand_after)", sku));
        Assert.True((await App.AvailabilityEventsAsync(sku, seller)).All(e => e.Available >= 0));
    }

    private async Task<(Guid SkuId, Guid SellerId)> CreateStockAsync(int onHand)
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand);
        return (skuId, seller.SellerId!.Value);
    }

    /// <summary>A cart hold: the Cart service holding for the buyer.</summary>
    private static async Task<ReservationBody> HoldAsync(HttpClient cart, Guid skuId, Guid sellerId, Guid buyerId, int quantity, int? ttlSeconds = null)
    {
        using var response = await cart.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId, quantity, ttlSeconds, holderId = buyerId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Json.ReadAsync<ReservationBody>(response);
    }

    private Task<List<(string Type, OrderStockEvent Reply)>> RepliesAsync(Guid orderId, int count) =>
        Poll.UntilAsync(
            () => App.OrderRepliesAsync(orderId),
            replies => replies.Count >= count,
            ReplyTimeout,
            replies => $"{replies.Count} of {count} replies: {string.Join(", ", replies.Select(r => r.Type))}");

    private static (int, int, int) Counts((int OnHand, int Reserved, int Available, long Version)? stock) =>
        stock is { } s ? (s.OnHand, s.Reserved, s.Available) : throw new InvalidOperationException("No stock row.");
}
