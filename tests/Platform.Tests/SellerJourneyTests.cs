using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;

namespace AspireShop.Platform.Tests;

/// <summary>
/// A marketplace seller's way in, through the gateway with real tokens: a user applies, an admin approves, Identity
/// grants the role by event, the user signs in again and sells; a buyer orders from it and from demo seller A, and each
/// seller ships its own part of the order while the buyer watches both shipments.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SellerJourneyTests(PlatformFixture platform)
{
    [Fact]
    public async Task ANewSellerIsApprovedSellsAndShipsItsPartOfATwoSellerOrder()
    {
        using var identity = platform.CreateHttpClient("identity");
        var (email, password) = await PlatformIdentity.RegisterBuyerAsync(identity);
        using var applicant = platform.CreateHttpClient("gateway", await PlatformIdentity.PasswordTokenAsync(identity, email, password));
        using var admin = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoAdmin));

        using var applied = await applicant.PostAsJsonAsync("/api/sellers/applications",
            new { businessName = "Harbour Outfitters", contactEmail = email, payoutAccount = "GB82WEST12345698765432" });
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());
        var application = (await applied.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        // Not a seller yet: the seller's own routes refuse the applicant's token.
        Assert.Equal(HttpStatusCode.Forbidden, (await applicant.GetAsync("/api/sellers/me")).StatusCode);

        using var approved = await admin.PostAsJsonAsync($"/api/sellers/applications/{application}/approve", new { commissionBasisPoints = 1200 });
        Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());
        var sellerId = (await approved.Content.ReadFromJsonAsync<JsonObject>())!["sellerId"]!.GetValue<Guid>();

        // Identity grants the role when Seller's event arrives; the next sign-in carries it.
        using var seller = await Poll.UntilAsync(
            async () =>
            {
                var client = platform.CreateHttpClient("gateway", await PlatformIdentity.PasswordTokenAsync(identity, email, password));
                using var profile = await client.GetAsync("/api/sellers/me");
                if (profile.IsSuccessStatusCode)
                {
                    return client;
                }

                client.Dispose();
                return null;
            },
            client => client is not null,
            TimeSpan.FromSeconds(30),
            _ => "a new sign-in never carried the seller role") ?? throw new InvalidOperationException();
        var mine = (await seller.GetFromJsonAsync<JsonObject>("/api/sellers/me"))!;
        Assert.Equal((sellerId, "Harbour Outfitters", 1200), (mine["sellerId"]!.GetValue<Guid>(), mine["businessName"]!.GetValue<string>(), mine["commissionBasisPoints"]!.GetValue<int>()));

        var newSku = await ProductWithStockAsync(seller, sellerId, "Harbour duffel");
        using var sellerA = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        var demoSku = await ProductWithStockAsync(sellerA, PlatformIdentity.DemoSellerAId, "Demo lantern");

        var buyer = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(buyer, newSku, sellerId);
        await Checkout.AddToCartAsync(buyer, demoSku, PlatformIdentity.DemoSellerAId);
        var order = await Checkout.PlaceAcceptedAsync(buyer);
        await Checkout.WaitForStatusAsync(buyer, order, "CONFIRMED", TimeSpan.FromSeconds(60));

        // Each seller finds only its own part of the order, and ships it.
        foreach (var (client, id, tracking) in new[] { (seller, sellerId, "HARBOUR0001"), (sellerA, PlatformIdentity.DemoSellerAId, "DEMOA0001") })
        {
            var shipment = await ShipmentOfAsync(client, order);
            Assert.Equal(id, shipment["sellerId"]!.GetValue<Guid>());
            Assert.Single(shipment["lines"]!.AsArray());
            using var shipped = await client.PostAsJsonAsync($"/api/fulfillment/shipments/{shipment["id"]}/ship", new { carrier = "DHL", trackingNumber = tracking });
            Assert.True(shipped.IsSuccessStatusCode, await shipped.Content.ReadAsStringAsync());
        }

        var tracked = (await buyer.GetFromJsonAsync<JsonObject>($"/api/fulfillment/orders/{order}/shipments"))!["shipments"]!.AsArray();
        Assert.Equal(
            new[] { (PlatformIdentity.DemoSellerAId, "SHIPPED"), (sellerId, "SHIPPED") },
            tracked.Select(s => (s!["sellerId"]!.GetValue<Guid>(), s["status"]!.GetValue<string>())).OrderBy(s => s.Item1 == sellerId));
    }

    [Fact]
    public async Task ASellerCancelsItsPartOfATwoSellerOrderWhichIsRefundedOnceAndRestockedWhileTheOtherPartShips()
    {
        using var sellerA = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var sellerB = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerB));
        var (a, b) = (PlatformIdentity.DemoSellerAId, PlatformIdentity.DemoSellerBId);
        var skuA = await ProductWithStockAsync(sellerA, a, "Canvas tote");
        var skuB = await ProductWithStockAsync(sellerB, b, "Enamel mug");

        using var admin = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoAdmin));
        var (balanceA, balanceB) = (await BalanceAsync(admin, a), await BalanceAsync(admin, b));

        var buyer = await Checkout.NewBuyerAsync(platform);
        await Checkout.AddToCartAsync(buyer, skuA, a);
        await Checkout.AddToCartAsync(buyer, skuB, b, quantity: 2);
        var order = await Checkout.PlaceAcceptedAsync(buyer);
        var confirmed = await Checkout.WaitForStatusAsync(buyer, order, "CONFIRMED", TimeSpan.FromSeconds(60));
        var partB = confirmed["lines"]!.AsArray().Where(l => l!["sellerId"]!.GetValue<Guid>() == b)
            .Sum(l => l!["unitPrice"]!.GetValue<decimal>() * l["quantity"]!.GetValue<int>());

        var shipmentB = await ShipmentOfAsync(sellerB, order);
        using (var cancelled = await sellerB.PostAsJsonAsync($"/api/fulfillment/shipments/{shipmentB["id"]}/cancel", new { reason = "damaged in the warehouse" }))
        {
            Assert.True(cancelled.IsSuccessStatusCode, await cancelled.Content.ReadAsStringAsync());
        }

        // B's part comes back once: refunded at the provider, its two units on hand again, nothing left reserved.
        var refunds = await Poll.UntilAsync(
            async () => (await Checkout.LedgerAsync(platform, order)).Refunds,
            found => found.Count > 0,
            TimeSpan.FromSeconds(60),
            _ => $"no refund of B's part of order {order}");
        Assert.Equal((long)(partB * 100), Assert.Single(refunds)["amount"]!.GetValue<long>());
        await Poll.UntilAsync(() => Checkout.StockAsync(platform, skuB, b), stock => stock == (5, 0), TimeSpan.FromSeconds(30), stock => $"B's stock is {stock}");
        await Checkout.WaitForFulfillmentAsync(buyer, order, "PARTIALLY_FULFILLED");

        // A's part ships as if nothing happened; the buyer sees one part shipped, one cancelled, and can no longer cancel.
        var shipmentA = await ShipmentOfAsync(sellerA, order);
        using (var shipped = await sellerA.PostAsJsonAsync($"/api/fulfillment/shipments/{shipmentA["id"]}/ship", new { carrier = "UPS", trackingNumber = "1Z999AA10123456784" }))
        {
            Assert.True(shipped.IsSuccessStatusCode, await shipped.Content.ReadAsStringAsync());
        }

        var tracked = (await buyer.GetFromJsonAsync<JsonObject>($"/api/fulfillment/orders/{order}/shipments"))!["shipments"]!.AsArray();
        Assert.Equal(
            new[] { (a, "SHIPPED"), (b, "CANCELLED") },
            tracked.Select(s => (s!["sellerId"]!.GetValue<Guid>(), s["status"]!.GetValue<string>())).OrderBy(s => s.Item1 == b));
        await Poll.UntilAsync(
            async () =>
            {
                using var cancel = await buyer.PostAsync($"/api/orders/{order}/cancel", null);
                return cancel.StatusCode;
            },
            status => status == HttpStatusCode.Conflict,
            TimeSpan.FromSeconds(30),
            status => $"the buyer's cancel after A shipped answered {(int)status}");
        var (charges, refundsAtProvider) = await Checkout.LedgerAsync(platform, order);
        Assert.Single(refundsAtProvider);
        Assert.Equal((4, 0), await Checkout.StockAsync(platform, skuA, a));

        // The payout ledger, recomputed from the provider's ledger: A is owed what was captured less B's refunded part,
        // less its 10 % commission (half a cent up); B is owed nothing for this order; every posting sums to zero.
        var keptMinor = Assert.Single(charges)["amount"]!.GetValue<long>() - refundsAtProvider[0]["amount"]!.GetValue<long>();
        var owedToA = (keptMinor - (((keptMinor * 1000) + 5000) / 10_000)) / 100m;
        await Poll.UntilAsync(
            async () => (await BalanceAsync(admin, a), await BalanceAsync(admin, b)),
            balances => balances == (balanceA + owedToA, balanceB),
            TimeSpan.FromSeconds(30),
            balances => $"balances (A, B) {balances}, expected ({balanceA + owedToA}, {balanceB})");
        var trial = (await admin.GetFromJsonAsync<JsonObject>("/api/sellers/ledger/trial-balance"))!;
        Assert.True(trial["balanced"]!.GetValue<bool>(), trial.ToJsonString());
        Assert.All(trial["totals"]!.AsArray(), total => Assert.Equal(0m, total!["amount"]!.GetValue<decimal>()));
    }

    /// <summary>The seller's payout balance in USD (0 before its first booking), as an admin reads it.</summary>
    internal static async Task<decimal> BalanceAsync(HttpClient admin, Guid sellerId) =>
        (await admin.GetFromJsonAsync<JsonObject>($"/api/sellers/{sellerId}/balance"))!["balances"]!.AsArray()
            .Where(b => b!["currency"]!.GetValue<string>() == "USD").Sum(b => b!["amount"]!.GetValue<decimal>());

    /// <summary>A new product of the seller (Catalog makes its offer) with 5 units, through the gateway.</summary>
    private static async Task<Guid> ProductWithStockAsync(HttpClient seller, Guid sellerId, string title)
    {
        using var created = await seller.PostAsJsonAsync("/api/catalog/products", CatalogToSearchTests.Product($"{title} {Guid.NewGuid():N}"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var skuId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["variants"]![0]!["id"]!.GetValue<Guid>();
        await StorefrontProduct.SetStockAsync(seller, skuId, sellerId, 5);
        return skuId;
    }

    /// <summary>The seller's shipment of the order, once Fulfillment has made it from OrderConfirmed.</summary>
    internal static async Task<JsonObject> ShipmentOfAsync(HttpClient seller, Guid order) =>
        await Poll.UntilAsync(
            async () => (await seller.GetFromJsonAsync<JsonObject>("/api/fulfillment/shipments?pageSize=100"))!["items"]!.AsArray()
                .Select(s => s!.AsObject()).FirstOrDefault(s => s["orderId"]!.GetValue<Guid>() == order),
            shipment => shipment is not null,
            TimeSpan.FromSeconds(30),
            _ => $"no shipment of order {order} for this seller") ?? throw new InvalidOperationException();
}
