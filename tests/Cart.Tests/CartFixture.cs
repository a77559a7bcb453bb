using AspireShop.Catalog.Contracts;
using AspireShop.TestKit;

namespace AspireShop.Cart.Tests;

/// <summary>
/// Real Catalog and Inventory in-process on the fixture's Postgres, Redis and Kafka, and a cart wired to them; shared
/// by the tests of a class, which each use their own buyers, sellers and offers.
/// </summary>
public sealed class CartFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public CatalogHost Catalog { get; private set; } = null!;

    public InventoryHost Inventory { get; private set; } = null!;

    public CartApp Cart { get; private set; } = null!;

    /// <summary>The topic prefix of the fixture's catalog change events (<c>&lt;prefix&gt;.public.&lt;table&gt;</c>).</summary>
    public string CatalogTopicPrefix { get; } = $"cart{Guid.NewGuid():N}"[..16];

    /// <summary>Where the fixture's carts read Ordering's events unless a test gives them a topic of its own.</summary>
    public string OrdersTopic { get; private set; } = null!;

    private CatalogRelay? _relay;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        foreach (var table in new[] { CatalogTables.Products.Table, CatalogTables.Skus.Table, CatalogTables.Offers.Table })
        {
            await Infrastructure.CreateNamedTopicAsync(CatalogTables.Topic(table, CatalogTopicPrefix), partitions: 1);
        }

        OrdersTopic = await Infrastructure.CreateTopicAsync("cartorders", partitions: 1);
        var catalog = CatalogHost.StartAsync(Infrastructure);
        var inventory = InventoryHost.StartAsync(Infrastructure, CatalogTables.Topic(CatalogTables.Offers.Table, CatalogTopicPrefix));
        (Catalog, Inventory) = (await catalog, await inventory);
        _relay = await CatalogRelay.StartAsync(CatalogTopicPrefix, Catalog.ConnectionString, Infrastructure.KafkaBootstrapServers);
        Cart = NewCart();
    }

    /// <summary>
    /// Another cart deployment on the same Catalog and Inventory (e.g. with short holds), whose offer cache follows the
    /// fixture's catalog change events; <paramref name="inventoryHandler"/> may wrap Inventory's handler (to watch calls).
    /// </summary>
    public CartApp NewCart(IReadOnlyDictionary<string, string?>? overrides = null, Func<HttpMessageHandler, HttpMessageHandler>? inventoryHandler = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = Infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
            ["Messaging:Consumers:cart.offer-cache:GroupId"] = $"cart.offer-cache.test-{Guid.NewGuid():N}",
            ["Messaging:Consumers:cart.offer-cache:Topics:0"] = CatalogTables.Topic(CatalogTables.Offers.Table, CatalogTopicPrefix),
            ["Messaging:Consumers:cart.offer-cache:Topics:1"] = CatalogTables.Topic(CatalogTables.Skus.Table, CatalogTopicPrefix),
            ["Messaging:Consumers:cart.orders:GroupId"] = $"cart.orders.test-{Guid.NewGuid():N}",
            ["Messaging:Consumers:cart.orders:Topics:0"] = OrdersTopic,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var wrap = inventoryHandler ?? (handler => handler);
        return new(Infrastructure, () => Catalog.Server.CreateHandler(), () => wrap(Inventory.Server.CreateHandler()), settings);
    }

    /// <summary>A seller with a fresh product whose variants carry these prices, and <paramref name="stock"/> units of each.</summary>
    public async Task<IReadOnlyList<TestOffer>> NewOffersAsync(int stock, params (decimal Price, string Currency)[] prices)
    {
        var seller = TestUser.NewSeller();
        var offers = await Catalog.CreateOffersAsync(seller, prices);
        foreach (var offer in offers)
        {
            await Inventory.SetStockAsync(seller, offer.SkuId, offer.SellerId, stock);
        }

        return offers;
    }

    public async Task<TestOffer> NewOfferAsync(int stock, decimal price = 19.99m, string currency = "USD") =>
        (await NewOffersAsync(stock, (price, currency)))[0];

    public async Task DisposeAsync()
    {
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        await Cart.DisposeAsync();
        await Inventory.DisposeAsync();
        await Catalog.DisposeAsync();
    }
}
