using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Npgsql;
using Xunit.Abstractions;

namespace AspireShop.Platform.Tests;

[CollectionDefinition(Name)]
public sealed class CrowdCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "crowd";
}

/// <summary>
/// A sell-out as buyers meet it: a platform of its own, just started and busy indexing the demo seed, and a crowd adding
/// the last units of one offer to their carts through the gateway at the same moment (gateway → cart → catalog and
/// inventory, with real tokens).
/// </summary>
[Collection(CrowdCollection.Name)]
public sealed class CrowdTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int Buyers = 500;
    private const int Stock = 37;

    [Fact]
    public async Task ACrowdOnTheLastUnitsGetsExactlyTheStockAnd409sAndNoHoldIsOrphaned()
    {
        var started = Stopwatch.GetTimestamp();
        var tokens = await BuyerTokensAsync();
        output.WriteLine($"{Buyers} buyers signed up in {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s");

        using var sellerA = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var created = await sellerA.PostAsJsonAsync("/api/catalog/products", CatalogToSearchTests.Product($"Last units {Guid.NewGuid():N}"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var skuId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["variants"]![0]!["id"]!.GetValue<Guid>();
        var sellerId = PlatformIdentity.DemoSellerAId;
        await StorefrontProduct.SetStockAsync(sellerA, skuId, sellerId, Stock);

        // The platform is busy: the demo seed (10 000 products) is being indexed while the crowd arrives.
        using var admin = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoAdmin));
        using (var seed = await admin.PostAsync("/admin/catalog/seed", null))
        {
            Assert.True(seed.IsSuccessStatusCode, await seed.Content.ReadAsStringAsync());
        }

        using var gateway = platform.CreateHttpClient("gateway");
        gateway.Timeout = TimeSpan.FromMinutes(2);
        var crowd = Stopwatch.GetTimestamp();
        var answers = await Task.WhenAll(tokens.Select(async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cart/items")
            {
                Content = JsonContent.Create(new { skuId, sellerId, quantity = 1 }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var sent = Stopwatch.GetTimestamp();
            using var response = await gateway.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return (Token: token, response.StatusCode, Body: body, Seconds: Stopwatch.GetElapsedTime(sent).TotalSeconds);
        }));
        var seconds = answers.Select(a => a.Seconds).Order().ToList();
        output.WriteLine(
            $"crowd of {Buyers} done in {Stopwatch.GetElapsedTime(crowd).TotalSeconds:F1} s: p50 {seconds[seconds.Count / 2]:F2} s, max {seconds[^1]:F2} s; "
            + string.Join(", ", answers.GroupBy(a => (int)a.StatusCode).Select(g => $"{g.Count()} × {g.Key}")));
        foreach (var odd in answers.Where(a => a.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict)).Take(5))
        {
            output.WriteLine($"{(int)odd.StatusCode}: {odd.Body}");
        }

        Assert.Equal(Stock, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(Buyers - Stock, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));

        // No orphan: the active holds Inventory keeps for the offer are exactly the holds the winners' lines name.
        var inCarts = new HashSet<Guid>();
        foreach (var winner in answers.Where(a => a.StatusCode == HttpStatusCode.Created))
        {
            using var buyer = platform.CreateHttpClient("gateway", winner.Token);
            var cart = await buyer.GetFromJsonAsync<JsonObject>("/api/cart");
            inCarts.Add(Assert.Single(cart!["lines"]!.AsArray())!["reservationId"]!.GetValue<Guid>());
        }

        await using var inventory = NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("inventorydb"));
        await using var active = inventory.CreateCommand("SELECT id FROM reservations WHERE sku_id = $1 AND seller_id = $2 AND status = 'active'");
        active.Parameters.Add(new NpgsqlParameter { Value = skuId });
        active.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        var held = new HashSet<Guid>();
        await using (var reader = await active.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                held.Add(reader.GetGuid(0));
            }
        }

        Assert.Equal(Stock, inCarts.Count);
        Assert.True(held.SetEquals(inCarts), $"held but in no cart: {string.Join(", ", held.Except(inCarts))}; in a cart but not held: {string.Join(", ", inCarts.Except(held))}");
    }

    /// <summary>Signs the crowd up at Identity itself: the gateway's sign-in budget is per address, and this is one address.</summary>
    private async Task<IReadOnlyList<string>> BuyerTokensAsync()
    {
        using var identity = platform.CreateHttpClient("identity");
        using var throttle = new SemaphoreSlim(8);
        return await Task.WhenAll(Enumerable.Range(0, Buyers).Select(async _ =>
        {
            await throttle.WaitAsync();
            try
            {
                var (email, password) = await PlatformIdentity.RegisterBuyerAsync(identity);
                return await PlatformIdentity.PasswordTokenAsync(identity, email, password);
            }
            finally
            {
                throttle.Release();
            }
        }));
    }
}
