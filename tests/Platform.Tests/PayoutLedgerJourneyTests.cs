using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Platform.Tests;

/// <summary>
/// The payout ledger after a scripted mix of orders through the gateway, with real tokens: single- and two-seller orders
/// of demo sellers A and B, a buyer's cancel (full refund), seller B's cancel of its part (partial refund), a declined
/// card and orders left as they are. Each seller's balance moves by what the payment provider's own ledger says was
/// captured for its parts, less what was refunded to them, less its commission on what it kept; all postings sum to zero.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class PayoutLedgerJourneyTests(PlatformFixture platform)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AfterAMixOfOrdersCancelsAndRefundsEachSellersBalanceIsCapturedMinusRefundedMinusCommissionPerTheProvider()
    {
        var (a, b) = (PlatformIdentity.DemoSellerAId, PlatformIdentity.DemoSellerBId);
        using var sellerA = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var sellerB = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerB));
        using var admin = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoAdmin));

        // Prices whose 10 % commissions land on and off half cents; B also sells A's tote under its own offer.
        var toteA = await ProductAsync(sellerA, a, "Canvas tote", 19.99m);
        var lampA = await ProductAsync(sellerA, a, "Desk lamp", 33.35m);
        var mugB = await ProductAsync(sellerB, b, "Enamel mug", 7.45m);
        var bottleB = await ProductAsync(sellerB, b, "Steel bottle", 12.05m);
        using (var offer = await sellerB.PutAsJsonAsync($"/api/catalog/skus/{toteA}/offers/{b}", new { price = 18.75m, currency = "USD" }))
        {
            Assert.True(offer.IsSuccessStatusCode, await offer.Content.ReadAsStringAsync());
        }

        await StorefrontProduct.SetStockAsync(sellerB, toteA, b, 20);

        // Other tests of the collection sell from A and B too (never at the same time): this test compares movements.
        var rates = new Dictionary<Guid, int> { [a] = await CommissionAsync(admin, a), [b] = await CommissionAsync(admin, b) };
        var before = new Dictionary<Guid, decimal> { [a] = await SellerJourneyTests.BalanceAsync(admin, a), [b] = await SellerJourneyTests.BalanceAsync(admin, b) };
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);

        var kept = await OrderAsync([(toteA, a, 3)]);
        var cancelledByBuyer = await OrderAsync([(lampA, a, 1), (mugB, b, 2)]);
        var cancelledByB = await OrderAsync([(toteA, a, 1), (bottleB, b, 3), (toteA, b, 1)]);
        var declined = await OrderAsync([(mugB, b, 5)], Checkout.DeclinedCard);
        var keptTwoSellers = await OrderAsync([(lampA, a, 2), (bottleB, b, 1)]);
        var keptB = await OrderAsync([(mugB, b, 1), (bottleB, b, 2)]);
        var confirmed = new[] { kept, cancelledByBuyer, cancelledByB, keptTwoSellers, keptB };
        foreach (var order in confirmed)
        {
            await Checkout.WaitForStatusAsync(order.Buyer, order.Id, "CONFIRMED", Deadline);
        }

        Assert.Equal("payment_declined", (await Checkout.WaitForStatusAsync(declined.Buyer, declined.Id, "FAILED", Deadline))["failureReason"]!.GetValue<string>());

        using (var cancel = await cancelledByBuyer.Buyer.PostAsync($"/api/orders/{cancelledByBuyer.Id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        var shipmentB = await SellerJourneyTests.ShipmentOfAsync(sellerB, cancelledByB.Id);
        using (var cancel = await sellerB.PostAsJsonAsync($"/api/fulfillment/shipments/{shipmentB["id"]}/cancel", new { reason = "out of stock after all" }))
        {
            Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        }

        // At rest: the buyer's cancel compensated whole, B's part refunded and the order partially fulfilled.
        Assert.Equal("cancelled", (await Checkout.WaitForStatusAsync(cancelledByBuyer.Buyer, cancelledByBuyer.Id, "FAILED", Deadline))["failureReason"]!.GetValue<string>());
        await Checkout.WaitForFulfillmentAsync(cancelledByB.Buyer, cancelledByB.Id, "PARTIALLY_FULFILLED", Deadline);
        var orders = new[] { kept, cancelledByBuyer, cancelledByB, declined, keptTwoSellers, keptB };
        var provider = await Poll.UntilAsync(
            () => ProviderLedgerAsync(orders),
            ledger => ledger[cancelledByBuyer.Id].Refunds.Count == 1 && ledger[cancelledByB.Id].Refunds.Count == 1,
            Deadline,
            ledger => string.Join("; ", ledger.Select(o => $"{o.Key}: {o.Value.Charges.Count} charge(s), {o.Value.Refunds.Count} refund(s)")));
        Assert.Empty(provider[declined.Id].Charges);
        Assert.Empty(provider[declined.Id].Refunds);
        var reasons = await RefundReasonsAsync([.. provider.Values.SelectMany(o => o.Refunds).Select(r => r["id"]!.GetValue<string>())]);

        // Recomputed from the provider's ledger alone: each capture split into seller parts by the order's lines, each
        // seller:<id> refund taken from that seller's part, any other refund from every part; commission on what is kept.
        var expected = new Dictionary<Guid, long> { [a] = 0, [b] = 0 };
        var (captured, refunded) = (new Dictionary<Guid, long> { [a] = 0, [b] = 0 }, new Dictionary<Guid, long> { [a] = 0, [b] = 0 });
        foreach (var order in orders)
        {
            var (charges, refunds) = provider[order.Id];
            if (charges.Count == 0)
            {
                continue;
            }

            var parts = order.Lines.GroupBy(l => l.Seller).ToDictionary(g => g.Key, g => g.Sum(l => l.UnitMinor * l.Quantity));
            Assert.Equal(parts.Values.Sum(), Assert.Single(charges)["amount"]!.GetValue<long>());
            var refundedParts = parts.Keys.ToDictionary(s => s, _ => 0L);
            foreach (var refund in refunds)
            {
                var amount = refund["amount"]!.GetValue<long>();
                var reason = reasons[refund["id"]!.GetValue<string>()];
                var named = reason.StartsWith("seller:", StringComparison.Ordinal) ? Guid.Parse(reason["seller:".Length..]) : (Guid?)null;
                List<Guid> sellers = named is { } one ? [one] : [.. parts.Keys.Where(s => refundedParts[s] == 0)];
                // The ledger reverses whole parts, so a refund must be exactly the parts it names.
                Assert.Equal(sellers.Sum(s => parts[s]), amount);
                foreach (var seller in sellers)
                {
                    refundedParts[seller] = parts[seller];
                }
            }

            foreach (var (seller, gross) in parts)
            {
                var keptMinor = gross - refundedParts[seller];
                var commission = ((keptMinor * rates[seller]) + 5_000) / 10_000;
                captured[seller] += gross;
                refunded[seller] += refundedParts[seller];
                expected[seller] += gross - refundedParts[seller] - commission;
            }
        }

        // The provider saw the script as planned, so the recomputation above is not vacuous: A lost one part, B two.
        Assert.Equal((5997L + 3335 + 1999 + 6670, 1490L + 5490 + 1205 + 3155), (captured[a], captured[b]));
        Assert.Equal((3335L, 1490L + 5490), (refunded[a], refunded[b]));

        await Poll.UntilAsync(
            async () => (A: await SellerJourneyTests.BalanceAsync(admin, a) - before[a], B: await SellerJourneyTests.BalanceAsync(admin, b) - before[b]),
            moved => moved == (expected[a] / 100m, expected[b] / 100m),
            Deadline,
            moved => $"balances moved by (A, B) {moved}, expected ({expected[a] / 100m}, {expected[b] / 100m})");

        // Every order the ledger booked for these sellers since the script began, and how: captures and reversals.
        var orderIds = orders.Select(o => o.Id).ToHashSet();
        Assert.Equal(
            new[] { (kept.Id, "capture"), (cancelledByBuyer.Id, "capture"), (cancelledByBuyer.Id, "reversal"), (cancelledByB.Id, "capture"), (keptTwoSellers.Id, "capture") }.Order(),
            (await StatementAsync(admin, a, since)).Where(l => orderIds.Contains(l.OrderId)).Order());
        Assert.Equal(
            new[]
            {
                (cancelledByBuyer.Id, "capture"), (cancelledByBuyer.Id, "reversal"), (cancelledByB.Id, "capture"), (cancelledByB.Id, "reversal"),
                (keptTwoSellers.Id, "capture"), (keptB.Id, "capture"),
            }.Order(),
            (await StatementAsync(admin, b, since)).Where(l => orderIds.Contains(l.OrderId)).Order());

        var trial = (await admin.GetFromJsonAsync<JsonObject>("/api/sellers/ledger/trial-balance"))!;
        Assert.True(trial["balanced"]!.GetValue<bool>(), trial.ToJsonString());
        Assert.All(trial["totals"]!.AsArray(), total => Assert.Equal(0m, total!["amount"]!.GetValue<decimal>()));

        // Nothing of the script waits among the parked refunds (the admins' view, through the gateway): each found its order.
        var parked = (await admin.GetFromJsonAsync<JsonObject>("/api/sellers/ledger/parked-refunds?pageSize=100"))!["items"]!.AsArray();
        Assert.DoesNotContain(parked, r => orderIds.Contains(r!["orderId"]!.GetValue<Guid>()));

        // Below the API, as the database's owner (no row-level security): every posting of every seller sums to zero.
        await using var sellerDb = NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("sellerdb"));
        await using var sum = sellerDb.CreateCommand("SELECT coalesce(sum(amount_minor), 0)::bigint, count(*) FROM ledger_postings");
        await using var reader = await sum.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(0L, reader.GetInt64(0));
        Assert.True(reader.GetInt64(1) > 0);

        async Task<PlacedOrder> OrderAsync(IReadOnlyList<(Guid Sku, Guid Seller, int Quantity)> items, string card = Checkout.SuccessCard)
        {
            var buyer = await Checkout.NewBuyerAsync(platform);
            foreach (var (sku, seller, quantity) in items)
            {
                await Checkout.AddToCartAsync(buyer, sku, seller, quantity);
            }

            var id = await Checkout.PlaceAcceptedAsync(buyer, card);
            var lines = (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!["lines"]!.AsArray()
                .Select(l => (Seller: l!["sellerId"]!.GetValue<Guid>(), UnitMinor: (long)(l["unitPrice"]!.GetValue<decimal>() * 100), Quantity: l["quantity"]!.GetValue<int>()))
                .ToList();
            Assert.Equal(items.Count, lines.Count);
            return new PlacedOrder(id, buyer, lines);
        }
    }

    /// <summary>The provider's charges and refunds of each order, from its own ledger endpoint.</summary>
    private async Task<Dictionary<Guid, (List<JsonObject> Charges, List<JsonObject> Refunds)>> ProviderLedgerAsync(IEnumerable<PlacedOrder> orders)
    {
        var ledger = new Dictionary<Guid, (List<JsonObject> Charges, List<JsonObject> Refunds)>();
        foreach (var order in orders)
        {
            ledger[order.Id] = await Checkout.LedgerAsync(platform, order.Id);
        }

        return ledger;
    }

    /// <summary>
    /// Why each refund was asked for, as the provider stored it with the refund (its metadata): its ledger endpoint leaves
    /// the metadata out, so this reads the provider's own database.
    /// </summary>
    private async Task<Dictionary<string, string>> RefundReasonsAsync(IReadOnlyList<string> refundIds)
    {
        await using var providerDb = NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("providerdb"));
        await using var command = providerDb.CreateCommand("SELECT id, metadata->>'reason' FROM refunds WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = refundIds.ToArray() });
        var reasons = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            reasons[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
        }

        Assert.Equal(refundIds.Order(), reasons.Keys.Order());
        return reasons;
    }

    private static async Task<int> CommissionAsync(HttpClient admin, Guid sellerId) =>
        (await admin.GetFromJsonAsync<JsonObject>($"/api/sellers/{sellerId}"))!["commissionBasisPoints"]!.GetValue<int>();

    /// <summary>The seller's postings (order, kind) booked since <paramref name="since"/>, as an admin reads its statement.</summary>
    private static async Task<List<(Guid OrderId, string Kind)>> StatementAsync(HttpClient admin, Guid sellerId, DateTimeOffset since)
    {
        var statement = (await admin.GetFromJsonAsync<JsonObject>(
            $"/api/sellers/{sellerId}/statements?from={Uri.EscapeDataString(since.ToString("O", CultureInfo.InvariantCulture))}&pageSize=100"))!;
        Assert.True(statement["total"]!.GetValue<int>() <= 100, statement["total"]!.ToJsonString());
        return [.. statement["postings"]!.AsArray().Select(p => (p!["orderId"]!.GetValue<Guid>(), p["kind"]!.GetValue<string>()))];
    }

    /// <summary>A new product of the seller at <paramref name="price"/> (Catalog makes its offer) with 20 units, through the gateway.</summary>
    private static async Task<Guid> ProductAsync(HttpClient seller, Guid sellerId, string title, decimal price)
    {
        var product = CatalogToSearchTests.Product($"{title} {Guid.NewGuid():N}");
        product["variants"]![0]!["price"] = price;
        using var created = await seller.PostAsJsonAsync("/api/catalog/products", product);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var skuId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["variants"]![0]!["id"]!.GetValue<Guid>();
        await StorefrontProduct.SetStockAsync(seller, skuId, sellerId, 20);
        return skuId;
    }

    private sealed record PlacedOrder(Guid Id, HttpClient Buyer, List<(Guid Seller, long UnitMinor, int Quantity)> Lines);
}
