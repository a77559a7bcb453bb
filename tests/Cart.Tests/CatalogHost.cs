extern alias CatalogApi;
using System.Net;
using System.Net.Http.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Catalog.API.Data;
using AspireShop.Catalog.API.Services;
using AspireShop.Inventory.Contracts;
using AspireShop.TestKit;

namespace AspireShop.Cart.Tests;

/// <summary>
/// The real Catalog service in-process on a fresh database (migrated as its migrate step does), so the cart prices
/// lines from real offers. Sellers create products through its API.
/// </summary>
public sealed class CatalogHost : ServiceHost<CatalogApi::Program>
{
    private CatalogHost(Dictionary<string, string?> settings)
        : base(settings)
    {
        ConnectionString = settings["ConnectionStrings:catalogdb"]!;
    }

    /// <summary>Its database, which the fixture's CdcRelay streams to Kafka as the platform's relay does.</summary>
    public string ConnectionString { get; }

    public static async Task<CatalogHost> StartAsync(InfrastructureFixture infrastructure)
    {
        await infrastructure.CreateNamedTopicAsync(AvailabilityChanged.Topic);
        var host = new CatalogHost(new Dictionary<string, string?>
        {
            ["ConnectionStrings:catalogdb"] = await infrastructure.CreateDatabaseAsync("cartcatalog"),
            ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Messaging:Consumers:catalog.availability:GroupId"] = $"catalog.availability.carttest-{Guid.NewGuid():N}",
            ["Catalog:Inventory:BaseAddress"] = $"http://127.0.0.1:{TestPorts.Free()}",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await MigrateStep.MigrateAsync<CatalogContext>(host.Services);
        return host;
    }

    /// <summary>A product of <paramref name="seller"/> with one variant per price; returns one offer per variant.</summary>
    public async Task<IReadOnlyList<TestOffer>> CreateOffersAsync(TestUser seller, params (decimal Price, string Currency)[] prices)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var product = new
        {
            title = $"Cart test product {suffix}",
            description = "For the cart tests.",
            brand = "Northwind",
            category = "Apparel",
            images = Array.Empty<string>(),
            attributes = new Dictionary<string, string> { ["material"] = "wool" },
            variants = prices.Select((p, i) => new
            {
                code = $"CRT-{suffix}-{i}",
                attributes = new Dictionary<string, string> { ["size"] = $"S{i}" },
                price = p.Price,
                currency = p.Currency,
            }).ToArray(),
        };
        using var response = await As(seller).PostAsJsonAsync("/api/catalog/products", product);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = (await response.Content.ReadFromJsonAsync<ProductDocument>())!;
        return created.Variants
            .Select(v => new TestOffer(v.Id, seller.SellerId!.Value, created.Id, created.Title, v.Code, v.Offers.Single().Price, v.Offers.Single().Currency))
            .ToList();
    }
}

/// <summary>An offer the catalog holds, as a cart line should show it.</summary>
public sealed record TestOffer(Guid SkuId, Guid SellerId, Guid ProductId, string ProductTitle, string SkuCode, decimal Price, string Currency);
