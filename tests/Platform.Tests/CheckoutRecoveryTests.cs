using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Xunit.Abstractions;

namespace AspireShop.Platform.Tests;

/// <summary>
/// The kill matrix: while orders flow through the gateway, a process of the money path dies. Ordering, Inventory,
/// Payment and the CDC relay die at each step boundary of the saga (CrashPoints: before and after each handler's commit,
/// after the provider charged but before Payment recorded it, after the order's commit but before its 202, after a
/// publish but before the slot's acknowledgement); the provider and the Kafka broker (which comes back empty) are
/// SIGKILLed mid-stream. The supervisor starts each again. Every order must still come to rest, each charged at most once
/// and kept only if CONFIRMED, refunds exactly for what was captured and then failed, one order per buyer, and stock
/// sold exactly for what was confirmed — checked against the provider's ledger and Inventory's database.
/// And a provider that only throttles: orders wait, PENDING, and complete with one charge each once it recovers.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CheckoutRecoveryTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int OrdersPerKill = 10;

    /// <summary>
    /// Each resource's crash points, armed together: the first orders meet them in this order, one crash after another.
    /// The last <see cref="Cancelled"/> buyers cancel once confirmed, so the refund and restock steps are crossed too.
    /// </summary>
    public static TheoryData<string, string> StepBoundaries => new()
    {
        {
            "ordering",
            "place-after-commit consume-before.OrderStockReserved consume-after.OrderStockReserved consume-before.PaymentSucceeded "
            + "consume-after.PaymentSucceeded consume-before.OrderStockCommitted consume-after.OrderStockCommitted consume-after.PaymentRefunded"
        },
        {
            "inventory",
            "consume-before.ReserveOrderStock consume-after.ReserveOrderStock consume-before.CommitOrderStock consume-after.CommitOrderStock "
            + "consume-after.ReleaseOrderStock"
        },
        { "payment", "consume-before.ChargePayment charge-after-provider consume-after.ChargePayment consume-before.RefundPayment refund-after-provider consume-after.RefundPayment" },
        { "cdc", "relay-after-publish" },
    };

    private const int Cancelled = 2;

    [Theory]
    [MemberData(nameof(StepBoundaries))]
    public async Task OrdersInFlightWhenAServiceDiesAtEachStepBoundaryAllComeToRestChargedOnceAndStockMatches(string resource, string points)
    {
        var (skuId, sellerId, buyers) = await ShopAsync($"Crash {resource}", OrdersPerKill);
        var armed = points.Split(' ').Select(point => Path.Combine(platform.CrashPointsDirectory, $"{resource}.{point}")).ToList();
        foreach (var file in armed)
        {
            await File.WriteAllTextAsync(file, "");
        }

        try
        {
            var placing = buyers.Select((buyer, i) => PlaceRetryingAsync(buyer, TimeSpan.FromMilliseconds(300 * i))).ToList();
            var cancelling = placing.TakeLast(Cancelled).Select((order, i) => CancelOnceConfirmedAsync(buyers[OrdersPerKill - Cancelled + i], order)).ToList();
            // A point that fired was renamed <point>.hit.<pid of the process it killed>.
            var hits = await Poll.UntilAsync(
                () => Task.FromResult(armed.Select(file => Directory.GetFiles(platform.CrashPointsDirectory, $"{Path.GetFileName(file)}.hit.*").SingleOrDefault()).ToList()),
                found => found.All(hit => hit is not null),
                TimeSpan.FromSeconds(150),
                found => $"{resource} never reached {string.Join(", ", armed.Where((_, i) => found[i] is null).Select(Path.GetFileName))}:\n{platform.Logs.Recent(resource)}");
            var killed = hits.OfType<string>().Select(hit => (int?)int.Parse(hit[(hit.LastIndexOf('.') + 1)..], CultureInfo.InvariantCulture)).ToList();
            await ResourceProcesses.WaitForRestartAsync(platform, resource, killed, TimeSpan.FromSeconds(60));
            await Task.WhenAll(cancelling);
            var orders = await Task.WhenAll(placing);
            // A cancelled order shows CONFIRMED until its refund and restock are done, then FAILED.
            for (var i = OrdersPerKill - Cancelled; i < OrdersPerKill; i++)
            {
                await Checkout.WaitForStatusAsync(buyers[i], orders[i], "FAILED", TimeSpan.FromSeconds(150));
            }

            await AssertAllAtRestAsync(resource, skuId, sellerId, buyers, orders);
            foreach (var id in orders.TakeLast(Cancelled))
            {
                var (charges, refunds) = await Checkout.LedgerAsync(platform, id);
                Assert.Equal(Assert.Single(charges)["amount"]!.GetValue<long>(), Assert.Single(refunds)["amount"]!.GetValue<long>());
            }
        }
        finally
        {
            foreach (var file in Directory.GetFiles(platform.CrashPointsDirectory, $"{resource}.*"))
            {
                File.Delete(file);
            }
        }
    }

    [Theory]
    [InlineData("payment-provider")]
    [InlineData("kafka")]
    public async Task OrdersInFlightWhenAnEngineIsKilledAllComeToRestChargedOnceAndStockMatches(string resource)
    {
        var (skuId, sellerId, buyers) = await ShopAsync($"Kill {resource}", OrdersPerKill);

        // A stream of orders 300 ms apart (a load schedule, not a wait) with the kill in its middle: orders placed before it
        // are mid-saga when the process dies, later ones are placed while it is down or coming back.
        var placing = buyers.Select((buyer, i) => PlaceRetryingAsync(buyer, TimeSpan.FromMilliseconds(300 * i))).ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(300 * OrdersPerKill / 3));
        await ResourceProcesses.KillAndWaitForRestartAsync(platform, resource, TimeSpan.FromSeconds(120));
        await AssertAllAtRestAsync(resource, skuId, sellerId, buyers, await Task.WhenAll(placing));
    }

    private async Task AssertAllAtRestAsync(string resource, Guid skuId, Guid sellerId, HttpClient[] buyers, Guid[] orders)
    {
        const int stock = 100;
        var outcomes = await Task.WhenAll(orders.Select((id, i) => Poll.UntilAsync(
            async () => (await buyers[i].GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!,
            order => order["status"]!.GetValue<string>() != "PENDING",
            TimeSpan.FromSeconds(150),
            order => $"after {resource} died: {order.ToJsonString()}")));
        output.WriteLine($"{resource}: {string.Join(", ", outcomes.Select(o => $"{o["status"]} {o["failureReason"]}"))}");

        var confirmed = 0;
        for (var i = 0; i < outcomes.Length; i++)
        {
            var outcome = outcomes[i];
            var id = outcome["id"]!.GetValue<Guid>();
            // A 202 lost with its process is retried with the same key: still one order.
            Assert.Equal(1, (await buyers[i].GetFromJsonAsync<JsonObject>("/api/orders"))!["total"]!.GetValue<int>());
            var (charges, refunds) = await Checkout.LedgerAsync(platform, id);
            var captured = charges.Sum(c => c["amount"]!.GetValue<long>());
            var refunded = refunds.Sum(r => r["amount"]!.GetValue<long>());
            Assert.True(charges.Count <= 1, $"order {id} charged {charges.Count} times after {resource} died");
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
            s => $"after {resource} died: stock {s}, expected ({stock - confirmed}, 0) for {confirmed} confirmed");
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

    /// <summary>The buyer cancels its confirmed order, asking again while the front door's back end is down.</summary>
    private static async Task CancelOnceConfirmedAsync(HttpClient buyer, Task<Guid> placing)
    {
        var id = await placing;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    return (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!["status"]!.GetValue<string>();
                }
                catch (HttpRequestException)
                {
                    // Ordering is down between two crash points: ask again.
                    return null;
                }
            },
            status => status == "CONFIRMED",
            TimeSpan.FromSeconds(150),
            status => $"order {id} is {status}, not CONFIRMED, so it cannot be cancelled");
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    using var response = await buyer.PostAsync($"/api/orders/{id}/cancel", null);
                    return response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.BadGateway;
                }
            },
            status => status == HttpStatusCode.Accepted,
            TimeSpan.FromSeconds(120),
            status => $"cancelling {id} answered {(int)status}");
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

    /// <summary>
    /// A buyer's client: the same Idempotency-Key until it gets its 202, through a front door whose back end may be down
    /// (5xx) or still busy with the first attempt (409). Any other 4xx would make a real client give up, so it fails the test.
    /// </summary>
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
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.False(
                        (int)response.StatusCode is >= 400 and < 500 && response.StatusCode != HttpStatusCode.Conflict,
                        $"a valid order got {(int)response.StatusCode}: '{body}'");
                    return response.StatusCode == HttpStatusCode.Accepted ? JsonNode.Parse(body)!["id"]!.GetValue<Guid>() : (Guid?)null;
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
