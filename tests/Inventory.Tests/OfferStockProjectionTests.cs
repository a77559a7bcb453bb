using System.Net;
using System.Net.Http.Json;
using System.Text;
using AspireShop.TestKit;

namespace AspireShop.Inventory.Tests;

/// <summary>
/// Catalog's offer change events give every offered SKU a stock row, once, whatever is redelivered, and decide which
/// offers may have stock and holds at all.
/// </summary>
public sealed class OfferStockProjectionTests : IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure = new();

    public Task InitializeAsync() => _infrastructure.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AnOfferEventCreatesTheStockRowOnceWithTheDemoStock()
    {
        var topic = await _infrastructure.CreateTopicAsync("catalogdb.public.offers", partitions: 3);
        await using var app = await InventoryApp.StartAsync(_infrastructure, new Dictionary<string, string?>
        {
            ["Messaging:Consumers:inventory.offer-stock:Topics:0"] = topic,
            ["Inventory:Demo:InitialStock"] = "25",
        });
        var (skuId, sellerId, other) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        // A snapshot read, the same event again and an update of the same offer; one insert of another.
        var snapshot = Change("r", skuId, sellerId);
        await PublishAsync(topic, snapshot, snapshot, Change("u", skuId, sellerId), Change("c", other, sellerId));

        await Poll.UntilAsync(
            () => app.QueryScalarAsync<long>("SELECT count(*) FROM stock WHERE seller_id = $1", sellerId),
            count => count == 2,
            TimeSpan.FromSeconds(20),
            count => $"{count} of 2 stock rows");
        var stock = (await app.StockAsync(skuId, sellerId))!.Value;
        Assert.Equal((25, 0, 25, 1L), (stock.OnHand, stock.Reserved, stock.Available, stock.Version));
        Assert.Single(await app.AvailabilityEventsAsync(skuId, sellerId));

        // A seller's change is not undone by a redelivered event.
        using var seller = app.As(new TestUser(Guid.NewGuid(), sellerId, "seller"));
        using var put = await seller.PutAsync($"/api/inventory/stock/{skuId}/{sellerId}", JsonContent("""{"onHand":3}"""));
        put.EnsureSuccessStatusCode();
        await PublishAsync(topic, snapshot, Change("c", Guid.NewGuid(), sellerId));
        await Poll.UntilAsync(
            () => app.QueryScalarAsync<long>("SELECT count(*) FROM stock WHERE seller_id = $1", sellerId),
            count => count == 3,
            TimeSpan.FromSeconds(20),
            count => $"{count} of 3 stock rows");
        Assert.Equal(3, (await app.StockAsync(skuId, sellerId))!.Value.OnHand);
    }

    [Fact]
    public async Task StockAndHoldsExistOnlyForOffersCatalogPublishes()
    {
        await using var app = await InventoryApp.StartAsync(_infrastructure);
        var (skuId, seller) = await app.CreateStockAsync(onHand: 5);
        var sellerId = seller.SellerId!.Value;
        using var sellerClient = app.As(seller);
        using var buyer = app.As(TestUser.NewBuyer());
        var hold = await ReservationLifecycleTests.ReserveAsync(buyer, skuId, sellerId, 2);

        // Never published: no stock can be set (for the seller or an admin), nothing held.
        var unknown = Guid.NewGuid();
        foreach (var client in new[] { sellerClient, app.As(TestUser.NewAdmin()) })
        {
            using var set = await client.PutAsJsonAsync($"/api/inventory/stock/{unknown}/{sellerId}", new { onHand = 10 });
            Assert.Equal(HttpStatusCode.NotFound, set.StatusCode);
        }

        using (var adjust = await sellerClient.PostAsJsonAsync($"/api/inventory/stock/{unknown}/{sellerId}/adjustments", new { delta = 3 }))
        {
            Assert.Equal(HttpStatusCode.NotFound, adjust.StatusCode);
        }

        using (var reserve = await buyer.PostAsJsonAsync("/api/inventory/reservations", new { skuId = unknown, sellerId, quantity = 1 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, reserve.StatusCode);
        }

        Assert.Null(await app.StockAsync(unknown, sellerId));

        // Withdrawn: the same refusals, while the hold already taken still ends normally and its units come back.
        await app.PublishOfferAsync("d", skuId, sellerId);
        await Poll.UntilAsync(
            async () =>
            {
                using var set = await sellerClient.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{sellerId}", new { onHand = 6 });
                return set.StatusCode;
            },
            status => status == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(20),
            status => $"stock of a withdrawn offer answered {(int)status}");
        using (var reserve = await buyer.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId, quantity = 1 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, reserve.StatusCode);
        }

        using (var release = await buyer.DeleteAsync($"/api/inventory/reservations/{hold.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        }

        var stock = (await app.StockAsync(skuId, sellerId))!.Value;
        Assert.Equal((5, 0, 5), (stock.OnHand, stock.Reserved, stock.Available));

        // Published again: stock can be set once more.
        await app.PublishOfferAsync("c", skuId, sellerId);
        await Poll.UntilAsync(
            async () =>
            {
                using var set = await sellerClient.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{sellerId}", new { onHand = 6 });
                return set.StatusCode;
            },
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20),
            status => $"stock of a republished offer answered {(int)status}");
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Change(string op, Guid skuId, Guid sellerId) => CatalogOfferEvents.Change(op, skuId, sellerId);

    private Task PublishAsync(string topic, params string[] values) => CatalogOfferEvents.PublishAsync(_infrastructure.KafkaBootstrapServers, topic, values);
}
