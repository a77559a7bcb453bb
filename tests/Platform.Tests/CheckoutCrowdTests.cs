using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Xunit.Abstractions;

namespace AspireShop.Platform.Tests;

/// <summary>
/// A checkout rush as buyers meet it, on the crowd's own just-started platform while the demo seed is being indexed:
/// 200 buyers whose cart holds have lapsed order the same offer at once through the gateway, and every hop of the saga
/// (gateway → ordering → cart and catalog, then inventory and payment over Kafka) decides who gets the 50 units left.
/// </summary>
[Collection(CrowdCollection.Name)]
public sealed class CheckoutCrowdTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int Buyers = 200;
    private const int Units = 50;

    [Fact]
    public async Task TwoHundredOrdersForFiftyUnitsConfirmExactlyFiftyAndChargeOnlyThose()
    {
        using var sellerA = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var created = await sellerA.PostAsJsonAsync("/api/catalog/products", CatalogToSearchTests.Product($"Checkout rush {Guid.NewGuid():N}"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var skuId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["variants"]![0]!["id"]!.GetValue<Guid>();
        var sellerId = PlatformIdentity.DemoSellerAId;
        await StorefrontProduct.SetStockAsync(sellerA, skuId, sellerId, Buyers);

        // Every buyer puts one unit in the cart, then its hold lapses (released, as an expiry would), so checkout has to
        // re-reserve: the only way 200 carts can compete for fewer units than they hold.
        var buyers = await Task.WhenAll(Enumerable.Range(0, Buyers).Select(async _ =>
        {
            var buyer = await Checkout.NewBuyerAsync(platform);
            await Checkout.AddToCartAsync(buyer, skuId, sellerId);
            var hold = (await buyer.GetFromJsonAsync<JsonObject>("/api/cart"))!["lines"]![0]!["reservationId"]!.GetValue<Guid>();
            using var release = await buyer.DeleteAsync($"/api/inventory/reservations/{hold}");
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
            return buyer;
        }));
        using (var stock = await sellerA.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{sellerId}", new { onHand = Units }))
        {
            Assert.True(stock.IsSuccessStatusCode, await stock.Content.ReadAsStringAsync());
        }

        // The platform is busy: the demo seed (10 000 products) is being indexed while the rush arrives.
        using var admin = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoAdmin));
        using (var seed = await admin.PostAsync("/admin/catalog/seed", null))
        {
            Assert.True(seed.IsSuccessStatusCode, await seed.Content.ReadAsStringAsync());
        }

        var rush = Stopwatch.GetTimestamp();
        var orders = await Task.WhenAll(buyers.Select(async buyer => (Buyer: buyer, Id: await Checkout.PlaceAcceptedAsync(buyer))));
        output.WriteLine($"{Buyers} orders accepted in {Stopwatch.GetElapsedTime(rush).TotalSeconds:F1} s");

        var outcomes = await Task.WhenAll(orders.Select(async o => await Poll.UntilAsync(
            async () => (await o.Buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{o.Id}"))!,
            order => order["status"]!.GetValue<string>() != "PENDING",
            TimeSpan.FromMinutes(3),
            order => order.ToJsonString(),
            TimeSpan.FromMilliseconds(500))));
        output.WriteLine($"all at rest {Stopwatch.GetElapsedTime(rush).TotalSeconds:F1} s after the rush: "
            + string.Join(", ", outcomes.GroupBy(o => $"{o["status"]} {o["failureReason"]}").Select(g => $"{g.Count()} × {g.Key}")));

        var confirmed = outcomes.Where(o => o["status"]!.GetValue<string>() == "CONFIRMED").Select(o => o["id"]!.GetValue<Guid>()).ToHashSet();
        Assert.Equal(Units, confirmed.Count);
        Assert.All(outcomes.Where(o => !confirmed.Contains(o["id"]!.GetValue<Guid>())), o =>
        {
            Assert.Equal("FAILED", o["status"]!.GetValue<string>());
            Assert.Equal("out_of_stock", o["failureReason"]!.GetValue<string>());
        });

        // Captured exactly once for each confirmed order and never for a failed one.
        var ids = orders.Select(o => o.Id.ToString()).ToHashSet();
        var (charges, refunds) = await Checkout.LedgerAsync(platform);
        var captured = charges.Where(c => ids.Contains(c["order_reference"]!.GetValue<string>())).Select(c => Guid.Parse(c["order_reference"]!.GetValue<string>())).ToList();
        Assert.Equal(Units, captured.Count);
        Assert.True(confirmed.SetEquals(captured));
        Assert.DoesNotContain(refunds, r => ids.Contains(r["order_reference"]!.GetValue<string>()));

        // Sold out, never oversold: everything on hand went to the fifty, nothing is left reserved.
        Assert.Equal((0, 0), await Checkout.StockAsync(platform, skuId, sellerId));
    }
}
