using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AspireShop.TestKit;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AspireShop.Platform.Tests;

/// <summary>
/// The storefront as a shopper and a seller use it: Chromium through the WebApp, the WebApp through the gateway, on the
/// whole platform. Stock and orders are checked at their source (inventorydb, Ordering) rather than only on screen.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class StorefrontTests(PlatformFixture platform, StorefrontBrowser browser) : IClassFixture<StorefrontBrowser>
{
    private static readonly Guid SellerA = PlatformIdentity.DemoSellerAId;
    private static readonly Guid SellerB = PlatformIdentity.DemoSellerBId;

    [Fact]
    public async Task ABuyerSearchesFiltersAndOrdersTwoSellersOffersAndWatchesItTurnConfirmedWithoutReload()
    {
        var product = await SearchableProductAsync();
        var (email, password) = await NewBuyerAsync();
        var page = await browser.NewPageAsync(platform);
        await StorefrontBrowser.RunAsync(page, "order-two-sellers", async () =>
        {
            await StorefrontBrowser.SignInAsync(page, email, password);

            await page.GetByLabel("Search products").FillAsync(product.Word);
            await page.GetByLabel("Search products").PressAsync("Enter");
            await Expect(page.GetByTestId("product-card")).ToHaveCountAsync(1);
            await page.GetByTestId("facet").First.ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("[?&](category|brand)="));
            await Expect(page.GetByTestId("product-card")).ToHaveCountAsync(1);
            await page.GetByTestId("product-card").GetByRole(AriaRole.Link).First.ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex($"/products/{product.ProductId}"));
            await Expect(page.GetByTestId($"availability-{SellerA}")).ToHaveTextAsync(new Regex(@"\b10\b"));
            await Expect(page.GetByTestId($"availability-{SellerB}")).ToHaveTextAsync(new Regex(@"\b10\b"));
            // Kept with the artifacts on every run: the README shows the product page as the browser really drew it.
            Directory.CreateDirectory(StorefrontBrowser.ArtifactsDirectory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(StorefrontBrowser.ArtifactsDirectory, "product-page.png") });
            await AddToCartAsync(page, SellerA);
            await Expect(page).ToHaveURLAsync(new Regex("/cart"));
            await page.GotoAsync($"/products/{product.ProductId}");
            await AddToCartAsync(page, SellerB);
            await Expect(page).ToHaveURLAsync(new Regex("/cart"));
            await Expect(page.GetByTestId("cart-count")).ToHaveTextAsync(new Regex(@"\b2\b"));

            await page.GetByRole(AriaRole.Link, new() { Name = "Checkout" }).ClickAsync();
            await FillCheckoutAsync(page, Checkout.SuccessCard);
            await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex("/orders/[0-9a-f-]{36}"));
            // A reload (or any document load) would drop this mark: the status must change in the page as it stands.
            await page.EvaluateAsync("() => window.__stillTheSamePage = true");
            await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("CONFIRMED", new() { Timeout = 60_000 });
            Assert.True(await page.EvaluateAsync<bool>("() => window.__stillTheSamePage === true"), "the order page reloaded");
            await Expect(page.GetByTestId("order-line")).ToHaveCountAsync(2);
        });

        var order = await SingleOrderAsync(email, password);
        Assert.Equal("CONFIRMED", order["status"]!.GetValue<string>());
        Assert.Equal((9, 0), await Checkout.StockAsync(platform, product.SkuId, SellerA));
        Assert.Equal((9, 0), await Checkout.StockAsync(platform, product.SkuId, SellerB));
    }

    [Fact]
    public async Task ADeclinedCardFailsTheOrderOnScreenAndTheStockIsBackOnTheProductPage()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        var (email, password) = await NewBuyerAsync();
        var page = await browser.NewPageAsync(platform);
        await StorefrontBrowser.RunAsync(page, "declined-card", async () =>
        {
            await StorefrontBrowser.SignInAsync(page, email, password, $"/products/{product.ProductId}");
            await Expect(page.GetByTestId($"availability-{SellerA}")).ToHaveTextAsync(new Regex(@"\b10\b"));
            await AddToCartAsync(page, SellerA);
            await Expect(page).ToHaveURLAsync(new Regex("/cart"));

            await page.GotoAsync("/checkout");
            await FillCheckoutAsync(page, Checkout.DeclinedCard);
            await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();
            await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("FAILED", new() { Timeout = 60_000 });

            // Availability is a projection of stock: it comes back once the hold is released, so the page is re-read.
            await Poll.UntilAsync(
                async () =>
                {
                    await page.GotoAsync($"/products/{product.ProductId}");
                    return await page.GetByTestId($"availability-{SellerA}").InnerTextAsync();
                },
                text => Regex.IsMatch(text, @"\b10\b"),
                TimeSpan.FromSeconds(30),
                text => $"availability of seller A shows '{text}'",
                TimeSpan.FromSeconds(1));
        });

        Assert.Equal((10, 0), await Checkout.StockAsync(platform, product.SkuId, SellerA));
        Assert.Equal("FAILED", (await SingleOrderAsync(email, password))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task ADoubleClickedOrResubmittedPlaceOrderMakesOneOrder()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        var (email, password) = await NewBuyerAsync();
        var page = await browser.NewPageAsync(platform);
        await StorefrontBrowser.RunAsync(page, "double-click", async () =>
        {
            await StorefrontBrowser.SignInAsync(page, email, password, $"/products/{product.ProductId}");
            await AddToCartAsync(page, SellerA);
            await Expect(page).ToHaveURLAsync(new Regex("/cart"));
            await page.GotoAsync("/checkout");
            await FillCheckoutAsync(page, Checkout.SuccessCard);

            // The same rendered form posted twice at once, past any button the page disables: only its key can save it.
            var form = page.Locator("form", new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Place order" }) });
            var statuses = await form.EvaluateAsync<int[]>(
                """
                async form => {
                  const body = new URLSearchParams(new FormData(form));
                  const post = () => fetch(form.action, { method: 'POST', body, redirect: 'manual' }).then(r => r.status);
                  return await Promise.all([post(), post()]);
                }
                """);
            Assert.All(statuses, status => Assert.True(status is 0 or 200 or 302 or 303, $"status {status}"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).DblClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/orders/[0-9a-f-]{36}"));
            await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("CONFIRMED", new() { Timeout = 60_000 });
        });

        Assert.Equal("CONFIRMED", (await SingleOrderAsync(email, password))["status"]!.GetValue<string>());
        Assert.Equal((9, 0), await Checkout.StockAsync(platform, product.SkuId, SellerA));
    }

    [Fact]
    public async Task ASellerSeesOnlyItsOwnOrderLinesAndShipments()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var buyer = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(buyer, product.SkuId, SellerA);
        await Checkout.AddToCartAsync(buyer, product.SkuId, SellerB);
        var orderId = await Checkout.PlaceAcceptedAsync(buyer);
        await Checkout.WaitForStatusAsync(buyer, orderId, "CONFIRMED");
        var shipments = await ShipmentsAsync(buyer, orderId);
        var shipmentOfA = shipments.Single(s => s.SellerId == SellerA).Id;
        var shipmentOfB = shipments.Single(s => s.SellerId == SellerB).Id;

        var page = await browser.NewPageAsync(platform);
        await StorefrontBrowser.RunAsync(page, "seller-orders", async () =>
        {
            await StorefrontBrowser.SignInAsync(page, PlatformIdentity.DemoSellerA, PlatformIdentity.DemoPassword, "/seller/orders");
            await Expect(page).ToHaveURLAsync(new Regex("/seller/orders"));
            var lines = page.GetByTestId("seller-order-line");
            await Expect(lines.Filter(new() { HasText = orderId.ToString() })).ToHaveCountAsync(1);
            var html = await page.ContentAsync();
            Assert.Contains(shipmentOfA.ToString(), html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(shipmentOfB.ToString(), html, StringComparison.OrdinalIgnoreCase);
            Assert.All(await lines.AllInnerTextsAsync(), line => Assert.DoesNotContain(SellerB.ToString(), line, StringComparison.OrdinalIgnoreCase));
        });
    }

    [Theory]
    [InlineData("/cart")]
    [InlineData("/orders")]
    [InlineData("/checkout")]
    public async Task SignedOutTheBuyersPagesRedirectToSignIn(string path)
    {
        var page = await browser.NewPageAsync(platform);
        await StorefrontBrowser.RunAsync(page, $"signed-out{path.Replace('/', '-')}", async () =>
        {
            await page.GotoAsync(path);
            await Expect(page).ToHaveURLAsync(new Regex("/auth/account/login"));
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        });
    }

    private async Task<StorefrontProduct> SearchableProductAsync()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var gateway = platform.CreateHttpClient("gateway");
        await Poll.UntilAsync(
            async () => (await gateway.GetFromJsonAsync<JsonObject>($"/api/search/products?q={product.Word}"))!,
            page => page["total"]!.GetValue<long>() == 1,
            TimeSpan.FromSeconds(30),
            page => page.ToJsonString());
        return product;
    }

    private async Task<(string Email, string Password)> NewBuyerAsync()
    {
        using var identity = platform.CreateHttpClient("identity");
        return await PlatformIdentity.RegisterBuyerAsync(identity);
    }

    private async Task<JsonObject> SingleOrderAsync(string email, string password)
    {
        using var identity = platform.CreateHttpClient("identity");
        using var buyer = platform.CreateHttpClient("gateway", await PlatformIdentity.PasswordTokenAsync(identity, email, password));
        var orders = (await buyer.GetFromJsonAsync<JsonObject>("/api/orders"))!["items"]!.AsArray();
        var id = Assert.Single(orders)!["id"]!.GetValue<Guid>();
        return (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!;
    }

    /// <summary>The order's shipments once Fulfillment has made them from OrderConfirmed (404 until then).</summary>
    private static async Task<List<(Guid Id, Guid SellerId)>> ShipmentsAsync(HttpClient buyer, Guid orderId) =>
        (await Poll.UntilAsync(
            async () =>
            {
                using var response = await buyer.GetAsync($"/api/fulfillment/orders/{orderId}/shipments");
                return response.StatusCode == System.Net.HttpStatusCode.NotFound ? [] : (await response.Content.ReadFromJsonAsync<JsonObject>())!["shipments"]!.AsArray();
            },
            shipments => shipments.Count == 2,
            TimeSpan.FromSeconds(30),
            shipments => shipments.ToJsonString()))
        .Select(s => (s!["id"]!.GetValue<Guid>(), s["sellerId"]!.GetValue<Guid>()))
        .ToList();

    /// <summary>The "Add to cart" of one seller's offer: the button next to that seller's availability.</summary>
    private static Task AddToCartAsync(IPage page, Guid sellerId) =>
        page.GetByTestId($"availability-{sellerId}")
            .Locator("xpath=ancestor::*[.//button][1]")
            .GetByRole(AriaRole.Button, new() { Name = "Add to cart" })
            .ClickAsync();

    private static async Task FillCheckoutAsync(IPage page, string card)
    {
        await Expect(page).ToHaveURLAsync(new Regex("/checkout"));
        await page.GetByLabel("Full name").FillAsync("Ada Buyer");
        await page.GetByLabel("Address line 1").FillAsync("1 Main Street");
        await page.GetByLabel("City").FillAsync("Springfield");
        await page.GetByLabel("Postal code").FillAsync("12345");
        await page.GetByLabel("Country").FillAsync("US");
        await page.GetByLabel("Card number").FillAsync(card);
    }
}
