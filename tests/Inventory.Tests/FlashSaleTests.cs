using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using AspireShop.Inventory.API.Services;
using AspireShop.TestKit;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AspireShop.Inventory.Tests;

/// <summary>
/// The hot row: a burst through HTTP decided by the Redis counter sells exactly the sale's units, the write-back brings
/// Postgres level with Redis, the close reconciles exactly, and a write-back killed mid-sale loses nothing.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class FlashSaleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure = new();

    public Task InitializeAsync() => _infrastructure.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TenThousandAttemptsForOneThousandUnitsSellExactlyOneThousandAndReconcile()
    {
        await using var app = await InventoryApp.StartAsync(_infrastructure);
        var (skuId, seller) = await app.CreateStockAsync(onHand: 1_200);
        var sellerId = seller.SellerId!.Value;
        var sale = await OpenSaleAsync(app, seller, skuId, 1_000);
        Assert.Equal((1_200, 1_000, 200), Counts(await app.StockAsync(skuId, sellerId)));

        // The Cart service's way in: one service token, a different buyer per attempt.
        using var cart = app.As(TestUser.NewService());
        var stopwatch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 10_000).Select(async _ =>
        {
            using var response = await cart.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId, quantity = 1, holderId = Guid.NewGuid() });
            return response.StatusCode == HttpStatusCode.Created ? await Json.ReadAsync<ReservationBody>(response) : null;
        }));
        stopwatch.Stop();
        output.WriteLine($"10 000 flash reservation attempts over HTTP: {stopwatch.ElapsedMilliseconds} ms");

        var won = results.OfType<ReservationBody>().ToList();
        Assert.Equal(1_000, won.Count);
        Assert.All(won, r => Assert.Equal(sale.Id, r.FlashSaleId));
        Assert.Equal(1_000, won.Select(r => r.Id).Distinct().Count());

        // Confirm 10 and release 5 while the sale is open: the released units go back to the counter.
        foreach (var r in won.Take(10))
        {
            using var confirm = await cart.PostAsync($"/api/inventory/reservations/{r.Id}/confirm", null);
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        }

        foreach (var r in won.Skip(10).Take(5))
        {
            using var release = await cart.DeleteAsync($"/api/inventory/reservations/{r.Id}");
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        }

        var written = await Poll.UntilAsync(
            () => GetSaleAsync(app, sale.Id),
            s => s.WrittenBack == 1_000 && s.Confirmed == 10 && s.HeldInPostgres == 985,
            TimeSpan.FromSeconds(15),
            s => $"written back {s.WrittenBack}, confirmed {s.Confirmed}, held {s.HeldInPostgres}");
        Assert.Equal(5, written.Remaining);
        Assert.Equal(10, written.ConfirmedInRedis);
        Assert.Equal(1_000, await CountRedisRecordsAsync(app));
        Assert.Equal(1_000L, await app.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE flash_sale_id = $1", sale.Id));

        var closed = await CloseAsync(app, seller, sale.Id);
        Assert.Equal("closed", closed.Status);
        Assert.True(closed.Reconciled);
        Assert.Equal(5, closed.Returned);
        Assert.Equal(5, closed.RedisRemainingAtClose);
        Assert.Equal(1_000, closed.WrittenBack);
        // 10 sold; 985 still held (now ordinary holds); 5 + the 200 never in the sale are available.
        Assert.Equal((1_190, 985, 205), Counts(await app.StockAsync(skuId, sellerId)));

        // After the close the offer is back on the Postgres path, and the flash holds behave as ordinary ones.
        using var after = await cart.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId, quantity = 1, holderId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Null((await Json.ReadAsync<ReservationBody>(after)).FlashSaleId);
        using var releaseHeld = await cart.DeleteAsync($"/api/inventory/reservations/{won[^1].Id}");
        Assert.Equal((1_190, 985, 205), Counts(await app.StockAsync(skuId, sellerId)));
        var events = await app.AvailabilityEventsAsync(skuId, sellerId);
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.Second.Version > pair.First.Version));
        Assert.Equal(205, events[^1].Available);
    }

    [Fact]
    public async Task AWriteBackKilledMidSaleLosesNothingAfterRestart()
    {
        var database = await _infrastructure.CreateDatabaseAsync("inventory");
        var prefix = InfrastructureFixture.CreateRedisKeyPrefix("inventory");
        FlashSaleBody sale;
        Guid skuId;
        TestUser seller;
        var held = new List<Guid>();

        // First instance: the write-back is off, so every decision waits in Redis; 100 are taken in flight and never acknowledged.
        await using (var first = await InventoryApp.StartAsync(
            _infrastructure,
            new Dictionary<string, string?> { ["Inventory:FlashSales:WriteBack:Enabled"] = "false", ["Inventory:FlashSales:WriteBack:Consumer"] = "first" },
            database,
            prefix))
        {
            (skuId, seller) = await first.CreateStockAsync(onHand: 300);
            sale = await OpenSaleAsync(first, seller, skuId, 300);
            using var cart = first.As(TestUser.NewService());
            var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(async _ =>
            {
                using var response = await cart.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId = seller.SellerId, quantity = 1, holderId = Guid.NewGuid() });
                return response.StatusCode == HttpStatusCode.Created ? (await Json.ReadAsync<ReservationBody>(response)).Id : (Guid?)null;
            }));
            held.AddRange(results.OfType<Guid>());
            Assert.Equal(300, held.Count);

            var redis = first.Service<IConnectionMultiplexer>().GetDatabase();
            var stream = first.Service<RedisKeys>().WriteBackStream;
            try
            {
                await redis.StreamCreateConsumerGroupAsync(stream, FlashSaleWriteBack.ConsumerGroup, "0-0");
            }
            catch (RedisServerException)
            {
            }

            var inFlight = await redis.StreamReadGroupAsync(stream, FlashSaleWriteBack.ConsumerGroup, "first", ">", 100);
            Assert.Equal(100, inFlight.Length);
            Assert.Equal(0L, await first.QueryScalarAsync<long>("SELECT count(*) FROM reservations"));
        }

        // A new instance (another consumer name) on the same database and Redis prefix applies everything.
        await using var second = await InventoryApp.StartAsync(
            _infrastructure,
            new Dictionary<string, string?> { ["Inventory:FlashSales:WriteBack:Consumer"] = "second", ["Inventory:FlashSales:WriteBack:ClaimIdle"] = "00:00:01" },
            database,
            prefix);
        await Poll.UntilAsync(
            () => second.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE flash_sale_id = $1 AND status = 'active'", sale.Id),
            count => count == 300,
            TimeSpan.FromSeconds(15),
            count => $"{count} of 300 written back");
        var ids = await second.QueryScalarAsync<Guid[]>("SELECT array_agg(id) FROM reservations WHERE flash_sale_id = $1", sale.Id);
        Assert.Equal(held.Order(), ids!.Order());

        var closed = await CloseAsync(second, seller, sale.Id);
        Assert.True(closed.Reconciled);
        Assert.Equal(0, closed.Returned);
        Assert.Equal((300, 300, 0), Counts(await second.StockAsync(skuId, seller.SellerId!.Value)));
        Assert.Equal(0L, await second.Service<IConnectionMultiplexer>().GetDatabase().StreamLengthAsync(second.Service<RedisKeys>().WriteBackStream));
    }

    [Fact]
    public async Task AnExpiredFlashHoldReturnsItsUnitToTheCounter()
    {
        await using var app = await InventoryApp.StartAsync(_infrastructure);
        var (skuId, seller) = await app.CreateStockAsync(onHand: 3);
        var sale = await OpenSaleAsync(app, seller, skuId, 3);
        var buyer = TestUser.NewBuyer();
        using var client = app.As(buyer);

        var hold = await ReservationLifecycleTests.ReserveAsync(client, skuId, seller.SellerId!.Value, 2, ttlSeconds: 1);
        Assert.Equal(sale.Id, hold.FlashSaleId);
        Assert.Equal(1, (await GetSaleAsync(app, sale.Id)).Remaining);

        var restored = await Poll.UntilAsync(
            () => GetSaleAsync(app, sale.Id),
            s => s.Remaining == 3 && s.HeldInPostgres == 0 && s.WrittenBack == 1,
            TimeSpan.FromSeconds(8),
            s => $"remaining {s.Remaining}, held {s.HeldInPostgres}, written {s.WrittenBack}");
        Assert.Equal(3, restored.Remaining);
        using var service = app.As(TestUser.NewService());
        using var confirm = await service.PostAsync($"/api/inventory/reservations/{hold.Id}/confirm", null);
        Assert.Equal(HttpStatusCode.Conflict, confirm.StatusCode);

        var closed = await CloseAsync(app, seller, sale.Id);
        Assert.True(closed.Reconciled);
        Assert.Equal(3, closed.Returned);
        Assert.Equal((3, 0, 3), Counts(await app.StockAsync(skuId, seller.SellerId!.Value)));
    }

    [Fact]
    public async Task AFlashHoldWhoseReplyWasLostIsFoundByItsKeyAndReleasedByIt()
    {
        await using var app = await InventoryApp.StartAsync(_infrastructure);
        var (skuId, seller) = await app.CreateStockAsync(onHand: 10);
        var sellerId = seller.SellerId!.Value;
        var sale = await OpenSaleAsync(app, seller, skuId, 5);
        var buyer = TestUser.NewBuyer();
        using var cart = app.As(TestUser.NewService());
        var (made, neverMade) = ($"cart:{Guid.NewGuid():N}", $"cart:{Guid.NewGuid():N}");
        string ByKey(string key) => $"/api/inventory/reservations?skuId={skuId}&sellerId={sellerId}&holderId={buyer.Id}&idempotencyKey={key}";

        var hold = await Json.ReadAsync<ReservationBody>(await ReservationLifecycleTests.SendReserveAsync(cart, skuId, sellerId, buyer.Id, made));
        Assert.Equal(sale.Id, hold.FlashSaleId);
        var found = await cart.GetFromJsonAsync<ReservationBody>(ByKey(made), Json.Options);
        Assert.Equal((hold.Id, "active"), (found!.Id, found.Status));
        Assert.Equal(3, (await GetSaleAsync(app, sale.Id)).Remaining);

        foreach (var key in new[] { made, neverMade })
        {
            using var released = await cart.DeleteAsync(ByKey(key));
            Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        }

        Assert.Equal(5, (await GetSaleAsync(app, sale.Id)).Remaining);
        using var late = await ReservationLifecycleTests.SendReserveAsync(cart, skuId, sellerId, buyer.Id, neverMade);
        Assert.Equal("released", (await Json.ReadAsync<ReservationBody>(late)).Status);
        Assert.Equal(5, (await GetSaleAsync(app, sale.Id)).Remaining);
        Assert.Equal((10, 5, 5), Counts(await app.StockAsync(skuId, sellerId)));
    }

    [Fact]
    public async Task LosingRedisMidSaleUnderSellsButNeverOverSells()
    {
        await using var app = await InventoryApp.StartAsync(_infrastructure);
        var (skuId, seller) = await app.CreateStockAsync(onHand: 100);
        var sellerId = seller.SellerId!.Value;
        var sale = await OpenSaleAsync(app, seller, skuId, 60);
        using var cart = app.As(TestUser.NewService());
        var holds = new List<ReservationBody>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await cart.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId, quantity = 1, holderId = Guid.NewGuid() });
            holds.Add(await Json.ReadAsync<ReservationBody>(response));
        }

        foreach (var hold in holds.Take(5))
        {
            using var confirm = await cart.PostAsync($"/api/inventory/reservations/{hold.Id}/confirm", null);
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        }

        await Poll.UntilAsync(
            () => GetSaleAsync(app, sale.Id),
            s => s.WrittenBack == 20 && s.Confirmed == 5,
            TimeSpan.FromSeconds(10),
            s => $"written back {s.WrittenBack}, confirmed {s.Confirmed}");

        // Redis loses everything this deployment had: counter, records, pending stream.
        var multiplexer = app.Service<IConnectionMultiplexer>();
        var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: $"{app.RedisPrefix}*"))
        {
            await multiplexer.GetDatabase().KeyDeleteAsync(key);
        }

        // The offer falls back to Postgres, where the sale's 60 units are still reserved: only the 40 ordinary ones sell.
        using var tooMany = await cart.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId, quantity = 41, holderId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.Conflict, tooMany.StatusCode);
        Assert.Null((await GetSaleAsync(app, sale.Id)).Remaining);

        var closed = await CloseAsync(app, seller, sale.Id);
        Assert.False(closed.Reconciled);
        Assert.Null(closed.RedisRemainingAtClose);
        Assert.Equal(40, closed.Returned);
        Assert.Equal((95, 15, 80), Counts(await app.StockAsync(skuId, sellerId)));

        // The holds that reached Postgres survive as ordinary holds and can still be bought.
        using var late = await cart.PostAsync($"/api/inventory/reservations/{holds[^1].Id}/confirm", null);
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal((94, 14, 80), Counts(await app.StockAsync(skuId, sellerId)));
    }

    private static async Task<FlashSaleBody> OpenSaleAsync(InventoryApp app, TestUser seller, Guid skuId, int quantity)
    {
        using var client = app.As(seller);
        using var response = await client.PostAsJsonAsync(
            "/api/inventory/flash-sales", new { skuId, sellerId = seller.SellerId, quantity, endsAt = DateTimeOffset.UtcNow.AddMinutes(10) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Json.ReadAsync<FlashSaleBody>(response);
    }

    private static async Task<FlashSaleBody> GetSaleAsync(InventoryApp app, Guid saleId)
    {
        using var client = app.Anonymous();
        return (await client.GetFromJsonAsync<FlashSaleBody>($"/api/inventory/flash-sales/{saleId}", Json.Options))!;
    }

    private static async Task<FlashSaleBody> CloseAsync(InventoryApp app, TestUser seller, Guid saleId)
    {
        using var client = app.As(seller);
        using var response = await client.PostAsync($"/api/inventory/flash-sales/{saleId}/close", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync<FlashSaleBody>(response);
    }

    private static async Task<int> CountRedisRecordsAsync(InventoryApp app)
    {
        var multiplexer = app.Service<IConnectionMultiplexer>();
        var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
        var count = 0;
        await foreach (var _ in server.KeysAsync(pattern: $"{app.RedisPrefix}flash:res:*", pageSize: 1_000))
        {
            count++;
        }

        return count;
    }

    private static (int, int, int) Counts((int OnHand, int Reserved, int Available, long Version)? stock) =>
        stock is { } s ? (s.OnHand, s.Reserved, s.Available) : throw new InvalidOperationException("No stock row.");
}
