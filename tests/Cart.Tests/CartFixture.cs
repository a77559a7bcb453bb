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

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        var catalog = CatalogHost.StartAsync(Infrastructure);
        var inventory = InventoryHost.StartAsync(Infrastructure);
        (Catalog, Inventory) = (await catalog, await inventory);
        Cart = NewCart();
    }

    /// <summary>Another cart deployment on the same Catalog and Inventory, e.g. with short holds.</summary>
    public CartApp NewCart(IReadOnlyDictionary<string, string?>? overrides = null) =>
        new(Infrastructure, () => Catalog.Server.CreateHandler(), () => Inventory.Server.CreateHandler(), overrides);

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
        await Cart.DisposeAsync();
        await Inventory.DisposeAsync();
        await Catalog.DisposeAsync();
    }
}
