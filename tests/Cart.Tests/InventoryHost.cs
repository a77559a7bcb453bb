extern alias InventoryApi;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.API.Data;
using AspireShop.TestKit;

namespace AspireShop.Cart.Tests;

/// <summary>
/// The real Inventory service in-process on a fresh database (migrated as its migrate step does) and a Redis prefix of
/// its own. Sellers set stock through its API; tests read reservations and availability back from it.
/// </summary>
public sealed class InventoryHost : ServiceHost<InventoryApi::Program>
{
    private InventoryHost(Dictionary<string, string?> settings)
        : base(settings)
    {
    }

    /// <summary>Started on <paramref name="offersTopic"/>, Catalog's offer events: it keeps stock only for offers Catalog publishes.</summary>
    public static async Task<InventoryHost> StartAsync(InfrastructureFixture infrastructure, string offersTopic)
    {
        var host = new InventoryHost(new Dictionary<string, string?>
        {
            ["Messaging:Consumers:inventory.offer-stock:Topics:0"] = offersTopic,
            ["Messaging:Consumers:inventory.offer-stock:GroupId"] = $"inventory.offer-stock.carttest-{Guid.NewGuid():N}",
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
            ["ConnectionStrings:inventorydb"] = await infrastructure.CreateDatabaseAsync("cartinventory"),
            ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Inventory:RedisPrefix"] = InfrastructureFixture.CreateRedisKeyPrefix("cartinventory"),
            ["Inventory:Reservations:SweepInterval"] = "00:00:00.500",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await MigrateStep.MigrateAsync<InventoryContext>(host.Services);
        return host;
    }

    /// <summary>Sets stock once Catalog's event for the new offer has reached Inventory (404 until then).</summary>
    public async Task SetStockAsync(TestUser seller, Guid skuId, Guid sellerId, int onHand)
    {
        using var client = As(seller);
        await OfferedStock.SetAsync(client, skuId, sellerId, onHand);
    }

    public async Task<int> AvailableAsync(TestOffer offer)
    {
        using var response = await Anonymous().GetAsync($"/api/inventory/availability/{offer.SkuId}/{offer.SellerId}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["available"]!.GetValue<int>();
    }

    /// <summary>A reservation as Inventory shows it to a service (status, quantity, holder, expiry).</summary>
    public async Task<TestReservation> ReservationAsync(Guid id)
    {
        using var response = await As(TestUser.NewService()).GetAsync($"/api/inventory/reservations/{id}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<TestReservation>(CartRequests.Json))!;
    }
}

public sealed record TestReservation(Guid Id, Guid SkuId, Guid SellerId, Guid HolderId, int Quantity, string Status, DateTimeOffset ExpiresAt);
