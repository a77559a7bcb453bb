using System.Net;
using System.Net.Http.Json;
using System.Text;
using AspireShop.TestKit;
using StackExchange.Redis;
using static AspireShop.Cart.Tests.CartRequests;

namespace AspireShop.Cart.Tests;

/// <summary>
/// Catalog runs, Inventory is down (a port nobody listens on): everything the cart decides before it holds stock, and
/// what a buyer sees when Inventory or Catalog cannot answer. Nothing is ever written to the cart on these paths.
/// </summary>
public sealed class CartInputTests(CartInputTests.Fixture fixture) : IClassFixture<CartInputTests.Fixture>
{
    private CartApp Cart => fixture.Cart;

    [Fact]
    public async Task EveryMappedRouteIsInTheOpenApiDocument()
    {
        using var client = fixture.Cart.Anonymous();
        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(fixture.Cart.Services, client));
    }

    [Fact]
    public async Task AnonymousCallersGet401OnEveryRoute()
    {
        var offer = await fixture.NewOfferAsync();
        var anonymous = Cart.Anonymous();

        using var get = await anonymous.GetAsync("/api/cart");
        using var add = await anonymous.AddAsync(offer, 1);
        using var put = await anonymous.SetQuantityAsync(offer, 2);
        using var delete = await anonymous.RemoveAsync(offer);
        using var hold = await anonymous.HoldAgainAsync(offer);

        Assert.All([get, add, put, delete, hold], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CallersWithoutTheBuyerRoleGet403()
    {
        var offer = await fixture.NewOfferAsync();
        using var get = await Cart.As(TestUser.NewSeller()).GetAsync("/api/cart");
        using var add = await Cart.As(TestUser.NewService()).AddAsync(offer, 1);

        Assert.All([get, add], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
    }

    [Fact]
    public async Task ANewBuyerHasAnEmptyCart()
    {
        var buyer = TestUser.NewBuyer();
        var cart = await Cart.As(buyer).GetCartAsync();

        Assert.Equal(buyer.Id, cart.BuyerId);
        Assert.Empty(cart.Lines);
        Assert.Empty(cart.Totals);
    }

    [Theory]
    [InlineData("""{"skuId":"{sku}","sellerId":"{seller}","quantity":0}""", "quantity")]
    [InlineData("""{"skuId":"{sku}","sellerId":"{seller}","quantity":-3}""", "quantity")]
    [InlineData("""{"skuId":"{sku}","sellerId":"{seller}","quantity":100}""", "quantity")]
    [InlineData("""{"skuId":"{sku}","sellerId":"{seller}"}""", "quantity")]
    [InlineData("""{"skuId":"{sku}","sellerId":"{seller}","quantity":"many"}""", "quantity")]
    [InlineData("""{"skuId":"{sku}","sellerId":"{seller}","quantity":1.5}""", "quantity")]
    [InlineData("""{"sellerId":"{seller}","quantity":1}""", "skuId")]
    [InlineData("""{"skuId":"not-a-guid","sellerId":"{seller}","quantity":1}""", "skuId")]
    [InlineData("""{"skuId":"{sku}","sellerId":"00000000-0000-0000-0000-000000000000","quantity":1}""", "sellerId")]
    [InlineData("""{"skuId":"{sku}","sellerId":"{seller}","quantity":1""", "quantity")]
    [InlineData("""[1,2]""", "body")]
    public async Task BadAddsAre400NamingTheFieldAndAddNothing(string body, string field)
    {
        var offer = await fixture.NewOfferAsync();
        var buyer = Cart.As(TestUser.NewBuyer());

        using var response = await buyer.PostAsync("/api/cart/items", new StringContent(
            body.Replace("{sku}", offer.SkuId.ToString()).Replace("{seller}", offer.SellerId.ToString()), Encoding.UTF8, "application/json"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        if (field != "body" || problem["errors"] is not null)
        {
            Assert.Contains(field, problem["errors"]!.AsObject().Select(e => e.Key));
        }

        Assert.Empty((await buyer.GetCartAsync()).Lines);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public async Task BadQuantityChangesAre400NamingQuantity(int quantity)
    {
        var offer = await fixture.NewOfferAsync();
        using var response = await Cart.As(TestUser.NewBuyer()).SetQuantityAsync(offer, quantity);

        Assert.Contains("quantity", await ValidationErrorsAsync(response));
    }

    [Fact]
    public async Task AnUnknownOfferIs400NamingSkuAndSeller()
    {
        var offer = await fixture.NewOfferAsync();
        var buyer = Cart.As(TestUser.NewBuyer());

        using var unknownSku = await buyer.AddAsync(offer with { SkuId = Guid.NewGuid() }, 1);
        using var otherSeller = await buyer.AddAsync(offer with { SellerId = Guid.NewGuid() }, 1);

        Assert.Equal(["sellerId", "skuId"], (await ValidationErrorsAsync(unknownSku)).Order());
        Assert.Equal(["sellerId", "skuId"], (await ValidationErrorsAsync(otherSeller)).Order());
        Assert.Empty((await buyer.GetCartAsync()).Lines);
    }

    [Fact]
    public async Task ChangingOrRemovingALineThatIsNotThereIs404()
    {
        var offer = await fixture.NewOfferAsync();
        var buyer = Cart.As(TestUser.NewBuyer());

        using var put = await buyer.SetQuantityAsync(offer, 2);
        using var delete = await buyer.RemoveAsync(offer);
        using var hold = await buyer.HoldAgainAsync(offer);

        await ProblemAsync(put, HttpStatusCode.NotFound);
        await ProblemAsync(delete, HttpStatusCode.NotFound);
        await ProblemAsync(hold, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task InventoryDownIs503AndTheCartIsUnchanged()
    {
        var offer = await fixture.NewOfferAsync();
        var buyer = Cart.As(TestUser.NewBuyer());

        using var response = await buyer.AddAsync(offer, 1);

        var problem = await ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("Inventory", problem["title"]!.GetValue<string>());
        Assert.True(response.Headers.Contains("Retry-After"));
        Assert.Empty((await buyer.GetCartAsync()).Lines);
        // No cart was written; what is left is the hold's intent, for the reconciler to settle once Inventory is back.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Cart.RedisConnectionString);
        Assert.Equal([$"{Cart.RedisPrefix}cart:hold-intents"], redis.GetServers()[0].Keys(pattern: Cart.RedisPrefix + "*").Select(k => k.ToString()));
    }

    [Fact]
    public async Task CatalogDownIs503()
    {
        await using var cart = new CartApp(fixture.Infrastructure, catalogHandler: null, inventoryHandler: null, new Dictionary<string, string?>
        {
            ["Cart:CatalogBaseAddress"] = $"http://127.0.0.1:{TestPorts.Free()}",
            ["Cart:InventoryBaseAddress"] = $"http://127.0.0.1:{TestPorts.Free()}",
        });
        var buyer = cart.As(TestUser.NewBuyer());

        using var response = await buyer.PostAsJsonAsync("/api/cart/items", new { skuId = Guid.NewGuid(), sellerId = Guid.NewGuid(), quantity = 1 }, Json);

        var problem = await ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("Catalog", problem["title"]!.GetValue<string>());
        Assert.Empty((await buyer.GetCartAsync()).Lines);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public InfrastructureFixture Infrastructure { get; } = new();

        public CatalogHost Catalog { get; private set; } = null!;

        public CartApp Cart { get; private set; } = null!;

        public async Task<TestOffer> NewOfferAsync() =>
            (await Catalog.CreateOffersAsync(TestUser.NewSeller(), (12.50m, "USD")))[0];

        public async Task InitializeAsync()
        {
            await Infrastructure.InitializeAsync();
            Catalog = await CatalogHost.StartAsync(Infrastructure);
            Cart = new CartApp(Infrastructure, () => Catalog.Server.CreateHandler(), inventoryHandler: null, new Dictionary<string, string?>
            {
                ["Cart:InventoryBaseAddress"] = $"http://127.0.0.1:{TestPorts.Free()}",
            });
        }

        public async Task DisposeAsync()
        {
            await Cart.DisposeAsync();
            await Catalog.DisposeAsync();
        }
    }
}
