using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Xunit.Abstractions;

namespace AspireShop.Platform.Tests;

/// <summary>
/// The kill matrix: while orders flow through the gateway, one process of the money path is SIGKILLed (the supervisor
/// starts it again; the native Kafka broker comes back empty). Every order must still come to rest, each charged at
/// most once and kept only if CONFIRMED, refunds exactly for what was captured and then failed, and stock sold exactly
/// for what was confirmed — checked against the provider's ledger and Inventory's database, not against Ordering.
/// And a provider that only throttles: orders wait, PENDING, and complete with one charge each once it recovers.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CheckoutRecoveryTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int OrdersPerKill = 10;

    [Theory]
    [InlineData("ordering")]
    [InlineData("inventory")]
    [InlineData("payment")]
    [InlineData("cdc")]
    [InlineData("payment-provider")]
    [InlineData("kafka")]
    public async Task OrdersInFlightWhenAProcessDiesAllComeToRestChargedOnceAndStockMatches(string resource)
    {
        const int stock = 100;
        var (skuId, sellerId, buyers) = await ShopAsync($"Kill {resource}", OrdersPerKill);

        // A stream of orders 300 ms apart (a load schedule, not a wait) with the kill in its middle: orders placed before it
        // are mid-saga when the process dies, later ones are placed while it is down or coming back.
        var placing = buyers.Select((buyer, i) => PlaceRetryingAsync(buyer, TimeSpan.FromMilliseconds(300 * i))).ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(300 * OrdersPerKill / 3));
        await ResourceProcesses.KillAndWaitForRestartAsync(platform, resource, TimeSpan.FromSeconds(120));
        var orders = await Task.WhenAll(placing);

        var outcomes = await Task.WhenAll(orders.Select((id, i) => Poll.UntilAsync(
            async () => (await buyers[i].GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!,
            order => order["status"]!.GetValue<string>() != "PENDING",
            TimeSpan.FromSeconds(150),
            order => $"after killing {resource}: {order.ToJsonString()}")));
        output.WriteLine($"{resource}: {string.Join(", ", outcomes.Select(o => $"{o["status"]} {o["failureReason"]}"))}");

        var confirmed = 0;
        foreach (var outcome in outcomes)
        {
            var id = outcome["id"]!.GetValue<Guid>();
            var (charges, refunds) = await Checkout.LedgerAsync(platform, id);
            var captured = charges.Sum(c => c["amount"]!.GetValue<long>());
            var refunded = refunds.Sum(r => r["amount"]!.GetValue<long>());
            Assert.True(charges.Count <= 1, $"order {id} charged {charges.Count} times after killing {resource}");
            if (outcome["status"]!.GetValue<string>() == "CONFIRMED")
            {
                confirmed++;
                Assert.Single(charges);
                Assert.Equal(0, refunded);
                Assert.Equal((long)(outcome["total"]!.GetValue<decimal>() * 100), captured);
            }
            else
            {
                Assert.Equal(captured, refunded);
            }
        }

        // Sold exactly what was confirmed; nothing left reserved once every order is at rest (the carts are empty or released).
        await Poll.UntilAsync(
            () => Checkout.StockAsync(platform, skuId, sellerId),
            s => s == (stock - confirmed, 0),
            TimeSpan.FromSeconds(30),
            s => $"after killing {resource}: stock {s}, expected ({stock - confirmed}, 0) for {confirmed} confirmed");
    }

    [Fact]
    public async Task WhileTheProviderAnswersOnly429sOrdersWaitPendingThenEachCompletesWithOneCharge()
    {
        var (skuId, sellerId, buyers) = await ShopAsync("429 storm", 8);
        using var provider = await Checkout.ProviderAsync(platform);
        (await provider.DeleteAsync("/v1/test/stats")).EnsureSuccessStatusCode();
        (await provider.PutAsJsonAsync("/v1/test/faults", new { mode = "rate_limit", retry_after_s = 2 })).EnsureSuccessStatusCode();
        try
        {
            var orders = await Task.WhenAll(buyers.Select(buyer => Checkout.PlaceAcceptedAsync(buyer)));

            // The storm lasts until every charge was refused at least twice: the first call and a retry after Retry-After.
            await Poll.UntilAsync(
                async () => (await provider.GetFromJsonAsync<JsonObject>("/v1/test/stats"))!["requests"]!.GetValue<long>(),
                requests => requests >= 2 * orders.Length,
                TimeSpan.FromSeconds(60),
                requests => $"{requests} provider calls during the storm");
            for (var i = 0; i < orders.Length; i++)
            {
                Assert.Equal("PENDING", (await buyers[i].GetFromJsonAsync<JsonObject>($"/api/orders/{orders[i]}"))!["status"]!.GetValue<string>());
            }

            (await provider.DeleteAsync("/v1/test/faults")).EnsureSuccessStatusCode();
            for (var i = 0; i < orders.Length; i++)
            {
                var confirmed = await Checkout.WaitForStatusAsync(buyers[i], orders[i], "CONFIRMED", TimeSpan.FromSeconds(90));
                var charge = Assert.Single((await Checkout.LedgerAsync(platform, orders[i])).Charges);
                Assert.Equal((long)(confirmed["total"]!.GetValue<decimal>() * 100), charge["amount"]!.GetValue<long>());
            }

            Assert.Equal((100 - orders.Length, 0), await Checkout.StockAsync(platform, skuId, sellerId));
        }
        finally
        {
            await provider.DeleteAsync("/v1/test/faults");
        }
    }

    /// <summary>A new product of demo seller A with 100 units, and buyers with one unit each in their carts.</summary>
    private async Task<(Guid SkuId, Guid SellerId, HttpClient[] Buyers)> ShopAsync(string title, int buyerCount)
    {
        using var seller = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var created = await seller.PostAsJsonAsync("/api/catalog/products", CatalogToSearchTests.Product($"{title} {Guid.NewGuid():N}"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var skuId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["variants"]![0]!["id"]!.GetValue<Guid>();
        var sellerId = PlatformIdentity.DemoSellerAId;
        await StorefrontProduct.SetStockAsync(seller, skuId, sellerId, 100);
        var buyers = await Task.WhenAll(Enumerable.Range(0, buyerCount).Select(async _ =>
        {
            var buyer = await Checkout.NewBuyerAsync(platform);
            await Checkout.AddToCartAsync(buyer, skuId, sellerId);
            return buyer;
        }));
        return (skuId, sellerId, buyers);
    }

    /// <summary>A buyer's client: the same Idempotency-Key until it gets its 202, through a front door whose back end may be down.</summary>
    private static async Task<Guid> PlaceRetryingAsync(HttpClient buyer, TimeSpan after)
    {
        await Task.Delay(after);
        var key = Guid.NewGuid().ToString();
        return await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    using var response = await Checkout.PlaceAsync(buyer, key);
                    return response.StatusCode == HttpStatusCode.Accepted
                        ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>()
                        : (Guid?)null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            id => id is not null,
            TimeSpan.FromSeconds(120),
            _ => "the order was never accepted") ?? Guid.Empty;
    }
}
