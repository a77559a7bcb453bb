using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Platform.Tests;

/// <summary>
/// The seed's Part 4 as a buyer meets it, through the gateway only: the order is accepted at once (202) and the
/// OrderSaga reserves, charges (the payment provider stand-in) and commits in the background.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CheckoutTests(PlatformFixture platform)
{
    [Fact]
    public async Task ABuyerOrdersTwoSellersOffersAndIsChargedOnceTheServerTotal()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var gateway = platform.CreateHttpClient("gateway");
        var (email, password) = await PlatformIdentity.RegisterBuyerAsync(gateway);
        using var buyer = platform.CreateHttpClient("gateway", await PlatformIdentity.PasswordTokenAsync(gateway, email, password));

        await Poll.UntilAsync(
            async () => (await buyer.GetFromJsonAsync<JsonObject>($"/api/search/products?q={product.Word}"))!,
            page => page["total"]!.GetValue<long>() == 1,
            TimeSpan.FromSeconds(10),
            page => page.ToJsonString());
        var prices = new Dictionary<Guid, decimal>();
        foreach (var seller in new[] { PlatformIdentity.DemoSellerAId, PlatformIdentity.DemoSellerBId })
        {
            var offer = (await buyer.GetFromJsonAsync<JsonObject>($"/api/catalog/skus/{product.SkuId}/offers/{seller}"))!;
            prices[seller] = offer["price"]!.GetValue<decimal>();
            await Checkout.AddToCartAsync(buyer, product.SkuId, seller, quantity: seller == PlatformIdentity.DemoSellerAId ? 2 : 1);
        }

        var orderId = await Checkout.PlaceAcceptedAsync(buyer);

        // The status streams through the gateway as Server-Sent Events until the order is at rest.
        var events = await Checkout.ReadEventsAsync(buyer, orderId, TimeSpan.FromSeconds(30));
        Assert.Equal("CONFIRMED", events[^1]["status"]!.GetValue<string>());
        Assert.All(events.SkipLast(1), e => Assert.Equal("PENDING", e["status"]!.GetValue<string>()));

        var order = (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}"))!;
        var expectedTotal = (2 * prices[PlatformIdentity.DemoSellerAId]) + prices[PlatformIdentity.DemoSellerBId];
        Assert.Equal("CONFIRMED", order["status"]!.GetValue<string>());
        Assert.Equal(expectedTotal, order["total"]!.GetValue<decimal>());
        Assert.Equal(2, order["lines"]!.AsArray().Count);
        Assert.Contains(order["timeline"]!.AsArray(), e => e!["step"]!.GetValue<string>() == "payment_succeeded");

        // The provider captured exactly once, exactly the server's total (in cents).
        var (charges, refunds) = await Checkout.LedgerAsync(platform, orderId);
        Assert.Equal((long)(expectedTotal * 100), Assert.Single(charges)["amount"]!.GetValue<long>());
        Assert.Empty(refunds);

        // Sold: on-hand dropped by what was ordered, nothing left reserved; the cart forgot the ordered lines.
        Assert.Equal((8, 0), await Checkout.StockAsync(platform, product.SkuId, PlatformIdentity.DemoSellerAId));
        Assert.Equal((9, 0), await Checkout.StockAsync(platform, product.SkuId, PlatformIdentity.DemoSellerBId));
        await Poll.UntilAsync(
            async () => (await buyer.GetFromJsonAsync<JsonObject>("/api/cart"))!,
            cart => cart["lines"]!.AsArray().Count == 0,
            TimeSpan.FromSeconds(10),
            cart => cart.ToJsonString());

        var mine = (await buyer.GetFromJsonAsync<JsonObject>("/api/orders"))!;
        Assert.Equal(orderId, Assert.Single(mine["items"]!.AsArray())!["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task ADeclinedCardFailsTheOrderAndPutsTheStockBackOnSale()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var buyer = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerAId, quantity: 3);
        Assert.Equal((10, 3), await Checkout.StockAsync(platform, product.SkuId, PlatformIdentity.DemoSellerAId));

        var orderId = await Checkout.PlaceAcceptedAsync(buyer, Checkout.DeclinedCard);
        var order = await Checkout.WaitForStatusAsync(buyer, orderId, "FAILED");

        Assert.Equal("payment_declined", order["failureReason"]!.GetValue<string>());
        Assert.Equal((10, 0), await Checkout.StockAsync(platform, product.SkuId, PlatformIdentity.DemoSellerAId));
        var (charges, refunds) = await Checkout.LedgerAsync(platform, orderId);
        Assert.Empty(charges);
        Assert.Empty(refunds);
        using var shopper = platform.CreateHttpClient("gateway");
        await Poll.UntilAsync(
            async () => (await shopper.GetFromJsonAsync<JsonObject>($"/api/inventory/availability/{product.SkuId}/{PlatformIdentity.DemoSellerAId}"))!,
            a => a["available"]!.GetValue<int>() == 10,
            TimeSpan.FromSeconds(10),
            a => a.ToJsonString());
    }

    [Fact]
    public async Task CancellingAConfirmedOrderRefundsItOnceAndRestocks()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var buyer = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerBId, quantity: 2);
        var orderId = await Checkout.PlaceAcceptedAsync(buyer);
        await Checkout.WaitForStatusAsync(buyer, orderId, "CONFIRMED");
        Assert.Equal((8, 0), await Checkout.StockAsync(platform, product.SkuId, PlatformIdentity.DemoSellerBId));

        using (var cancel = await buyer.PostAsync($"/api/orders/{orderId}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        // Asking twice changes nothing: one compensation, one refund.
        using (var again = await buyer.PostAsync($"/api/orders/{orderId}/cancel", null))
        {
            Assert.True(again.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, again.StatusCode.ToString());
        }

        var order = await Checkout.WaitForStatusAsync(buyer, orderId, "FAILED");
        Assert.Equal("cancelled", order["failureReason"]!.GetValue<string>());
        var (charges, refunds) = await Checkout.LedgerAsync(platform, orderId);
        Assert.Equal(Assert.Single(charges)["amount"]!.GetValue<long>(), Assert.Single(refunds)["amount"]!.GetValue<long>());
        Assert.Equal((10, 0), await Checkout.StockAsync(platform, product.SkuId, PlatformIdentity.DemoSellerBId));

        using var late = await buyer.PostAsync($"/api/orders/{orderId}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task FiftyParallelPostsWithOneKeyMakeOneOrderAndOneCapture()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var buyer = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerAId);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await Checkout.PlaceAsync(buyer, key);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter);
        }));

        var accepted = answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.NotEmpty(accepted);
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, $"{(int)a.StatusCode}: {a.Body}"));
        Assert.All(answers.Where(a => a.StatusCode == HttpStatusCode.Conflict), a => Assert.NotNull(a.RetryAfter));
        // Every 202 is the first response, byte for byte.
        Assert.Single(accepted.Select(a => a.Body).Distinct());
        var orderId = JsonNode.Parse(accepted[0].Body)!["id"]!.GetValue<Guid>();

        // Later, the same key and body still replay the first answer; another body is 422; no key is 400.
        using (var replay = await Checkout.PlaceAsync(buyer, key))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            Assert.Equal(accepted[0].Body, await replay.Content.ReadAsStringAsync());
        }

        using (var otherBody = await Checkout.PlaceAsync(buyer, key, Checkout.DeclinedCard))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, otherBody.StatusCode);
        }

        using (var noKey = await Checkout.PlaceAsync(buyer, idempotencyKey: null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
            Assert.Contains("Idempotency-Key", await noKey.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await Checkout.WaitForStatusAsync(buyer, orderId, "CONFIRMED");
        Assert.Single((await Checkout.LedgerAsync(platform, orderId)).Charges);
        Assert.Equal(1, await OrdersOfAsync(buyer));

        // Another buyer's identical key is its own key: its own order.
        using var other = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(other, product.SkuId, PlatformIdentity.DemoSellerBId);
        using var theirs = await Checkout.PlaceAsync(other, key);
        Assert.Equal(HttpStatusCode.Accepted, theirs.StatusCode);
        Assert.NotEqual(orderId, (await theirs.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task AClientSentPriceIsIgnoredAndOthersCannotSeeOrTouchTheOrder()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var buyer = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerBId);
        using var placed = await Checkout.PlaceAsync(buyer, Guid.NewGuid().ToString(), body: new
        {
            shippingAddress = Checkout.Address,
            paymentMethod = Checkout.SuccessCard,
            total = 0.01m,
            currency = "USD",
            lines = new[] { new { skuId = product.SkuId, sellerId = PlatformIdentity.DemoSellerBId, quantity = 1, unitPrice = 0.01m } },
        });
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var orderId = (await placed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        var order = await Checkout.WaitForStatusAsync(buyer, orderId, "CONFIRMED");
        Assert.Equal(89.50m, order["total"]!.GetValue<decimal>());
        Assert.Equal(8950, Assert.Single((await Checkout.LedgerAsync(platform, orderId)).Charges)["amount"]!.GetValue<long>());

        // Another buyer: the order does not exist for it.
        using var stranger = await Checkout.NewBuyerAsync(platform);
        using (var read = await stranger.GetAsync($"/api/orders/{orderId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        }

        using (var stream = await stranger.GetAsync($"/api/orders/{orderId}/events"))
        {
            Assert.Equal(HttpStatusCode.NotFound, stream.StatusCode);
        }

        using (var cancel = await stranger.PostAsync($"/api/orders/{orderId}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        }

        Assert.Equal("CONFIRMED", (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}"))!["status"]!.GetValue<string>());
        using var anonymous = platform.CreateHttpClient("gateway");
        using var unauthenticated = await anonymous.GetAsync($"/api/orders/{orderId}");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    [Fact]
    public async Task ABuyerCannotConfirmItsOwnHoldToTakeStockWithoutPaying()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var buyer = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerAId);
        var hold = (await buyer.GetFromJsonAsync<JsonObject>("/api/cart"))!["lines"]![0]!["reservationId"]!.GetValue<Guid>();

        using var confirm = await buyer.PostAsync($"/api/inventory/reservations/{hold}/confirm", null);

        Assert.Equal(HttpStatusCode.Forbidden, confirm.StatusCode);
        Assert.Equal((10, 1), await Checkout.StockAsync(platform, product.SkuId, PlatformIdentity.DemoSellerAId));
    }

    [Fact]
    public async Task AnOrderWhoseHoldIsGoneIsReReservedOrFailsCleanly()
    {
        var product = await StorefrontProduct.CreateAsync(platform, stockPerSeller: 1);
        using var lucky = await Checkout.NewBuyerAsync(platform);
        using var unlucky = await Checkout.NewBuyerAsync(platform);

        // Both carts hold seller A's single unit in turn; each hold is released before checkout, as an expiry would.
        foreach (var buyer in new[] { unlucky, lucky })
        {
            await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerAId);
            var hold = (await buyer.GetFromJsonAsync<JsonObject>("/api/cart"))!["lines"]![0]!["reservationId"]!.GetValue<Guid>();
            using var release = await buyer.DeleteAsync($"/api/inventory/reservations/{hold}");
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        }

        // The stock allows one re-reservation: the first order gets it, the second fails out_of_stock with nothing charged.
        var first = await Checkout.PlaceAcceptedAsync(lucky);
        await Checkout.WaitForStatusAsync(lucky, first, "CONFIRMED");
        var second = await Checkout.PlaceAcceptedAsync(unlucky);
        var failed = await Checkout.WaitForStatusAsync(unlucky, second, "FAILED");

        Assert.Equal("out_of_stock", failed["failureReason"]!.GetValue<string>());
        Assert.Empty((await Checkout.LedgerAsync(platform, second)).Charges);
        Assert.Single((await Checkout.LedgerAsync(platform, first)).Charges);
        Assert.Equal((0, 0), await Checkout.StockAsync(platform, product.SkuId, PlatformIdentity.DemoSellerAId));
    }

    private async Task<long> OrdersOfAsync(HttpClient buyer)
    {
        var page = (await buyer.GetFromJsonAsync<JsonObject>("/api/orders"))!;
        await using var ordering = NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("orderingdb"));
        await using var count = ordering.CreateCommand("SELECT count(*) FROM orders WHERE buyer_id = (SELECT buyer_id FROM orders WHERE id = $1)");
        count.Parameters.Add(new NpgsqlParameter { Value = page["items"]![0]!["id"]!.GetValue<Guid>() });
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
