using System.Net;
using System.Net.Http.Json;
using AspireShop.TestKit;

namespace AspireShop.Inventory.Tests;

/// <summary>
/// Abandoned holds come back: the sweeper alone (Redis notifications off) and the keyspace prompt alone (sweeper
/// effectively off) each release a 2 s hold, restore stock and emit the availability event; a late confirm is refused.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class ReservationTtlTests : IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure = new();

    public Task InitializeAsync() => _infrastructure.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TheSweeperReleasesAnExpiredHoldWithoutRedisNotifications()
    {
        var sweepInterval = TimeSpan.FromSeconds(1);
        await using var app = await InventoryApp.StartAsync(_infrastructure, new Dictionary<string, string?>
        {
            ["Inventory:Reservations:KeyspaceNotifications"] = "false",
            ["Inventory:Reservations:SweepInterval"] = sweepInterval.ToString(),
        });
        var (skuId, seller) = await app.CreateStockAsync(onHand: 5);
        var buyer = TestUser.NewBuyer();
        using var client = app.As(buyer);

        using var created = await client.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId = seller.SellerId, quantity = 3, ttlSeconds = 2 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var reservation = await Json.ReadAsync<ReservationBody>(created);
        Assert.Equal(2, (await app.StockAsync(skuId, seller.SellerId!.Value))!.Value.Available);

        // Released within TTL + one sweep interval + slack for a loaded 2-core machine.
        var deadline = reservation.ExpiresAt + sweepInterval + TimeSpan.FromSeconds(1.5);
        var status = await Poll.UntilAsync(
            () => app.QueryScalarAsync<string>("SELECT status FROM reservations WHERE id = $1", reservation.Id),
            s => s == "expired",
            deadline - DateTimeOffset.UtcNow,
            s => $"reservation still {s}");
        Assert.Equal("expired", status);
        Assert.True(DateTimeOffset.UtcNow <= deadline + TimeSpan.FromMilliseconds(300));

        var stock = (await app.StockAsync(skuId, seller.SellerId!.Value))!.Value;
        Assert.Equal((5, 0, 5), (stock.OnHand, stock.Reserved, stock.Available));
        var events = await app.AvailabilityEventsAsync(skuId, seller.SellerId!.Value);
        Assert.Equal([0, 5, 2, 5], events.Select(e => e.Available));
        Assert.Equal(stock.Version, events[^1].Version);

        using var service = app.As(TestUser.NewService());
        using var confirm = await service.PostAsync($"/api/inventory/reservations/{reservation.Id}/confirm", null);
        Assert.Equal(HttpStatusCode.Conflict, confirm.StatusCode);
        Assert.Equal((5, 0, 5), Counts(await app.StockAsync(skuId, seller.SellerId!.Value)));
    }

    [Fact]
    public async Task ARedisExpiryNotificationPromptsTheReleaseBeforeAnySweep()
    {
        await using var app = await InventoryApp.StartAsync(_infrastructure, new Dictionary<string, string?>
        {
            ["Inventory:Reservations:KeyspaceNotifications"] = "true",
            // The sweeper runs once at start-up and then not for an hour: only the prompt can release this hold.
            ["Inventory:Reservations:SweepInterval"] = "01:00:00",
        });
        var (skuId, seller) = await app.CreateStockAsync(onHand: 4);
        using var client = app.As(TestUser.NewBuyer());

        using var created = await client.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId = seller.SellerId, quantity = 4, ttlSeconds = 2 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var reservation = await Json.ReadAsync<ReservationBody>(created);

        await Poll.UntilAsync(
            () => app.StockAsync(skuId, seller.SellerId!.Value),
            s => s is { Available: 4 },
            TimeSpan.FromSeconds(8),
            s => $"stock still {s}");
        Assert.Equal("expired", await app.QueryScalarAsync<string>("SELECT status FROM reservations WHERE id = $1", reservation.Id));
        Assert.Equal(4, (await app.AvailabilityEventsAsync(skuId, seller.SellerId!.Value))[^1].Available);

        using var service = app.As(TestUser.NewService());
        using var confirm = await service.PostAsync($"/api/inventory/reservations/{reservation.Id}/confirm", null);
        Assert.Equal(HttpStatusCode.Conflict, confirm.StatusCode);
    }

    private static (int, int, int) Counts((int OnHand, int Reserved, int Available, long Version)? stock) =>
        stock is { } s ? (s.OnHand, s.Reserved, s.Available) : throw new InvalidOperationException("No stock row.");
}
