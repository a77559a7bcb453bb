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
        using var seller = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var created = await seller.PostAsJsonAsync("/api/catalog/products", CatalogToSearchTests.Product($"Kill {resource} {Guid.NewGuid():N}"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var skuId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["variants"]![0]!["id"]!.GetValue<Guid>();
        var sellerId = PlatformIdentity.DemoSellerAId;
        const int stock = 100;
        await StorefrontProduct.SetStockAsync(seller, skuId, sellerId, stock);
        var buyers = await Task.WhenAll(Enumerable.Range(0, OrdersPerKill).Select(async _ =>
        {
            var buyer = await Checkout.NewBuyerAsync(platform);
            await Checkout.AddToCartAsync(buyer, skuId, sellerId);
            return buyer;
        }));

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
