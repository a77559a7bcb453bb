using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.TestKit;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The seed's "Find and Add to Cart" as load, through the gateway only (self-hosted: the gateway resource; else
/// --target): a buyer gets a token (password grant), searches, opens a hit's product page, adds the SKU from both of
/// its sellers to the cart (each add validates the offer with Catalog and places or resizes an Inventory hold) and
/// reads the cart back (both lines held). <c>journey</c> registers a new buyer at the start of every journey, as the
/// issue's scripted journey does, and signs it in (two password hashes per journey); <c>journey-returning</c> is a
/// signed-in buyer (registered and given a token before the load, one per worker, one journey at a time; the token is
/// fetched again only near expiry), so it measures the shopping path alone; its cart grows (lines of earlier journeys
/// stay, quantities add up). Reports journeys/s, p50/p99 per journey and per step. Setup
/// creates a few products as demo seller A, offered by seller B too, with large stock for both.
/// </summary>
public sealed class JourneyScenario(bool newBuyerEachJourney) : IScenario
{
    private const int Products = 8;
    private const int StockPerOffer = 1_000_000;
    private static readonly string[] Steps = ["register", "token", "search", "product_page", "add_item_1", "add_item_2", "cart"];

    private readonly ConcurrentDictionary<string, ConcurrentQueue<(long Ended, long Ticks)>> _samples = new();
    private readonly ConcurrentDictionary<string, long> _failures = new();

    private readonly ConcurrentQueue<(string Email, string Password)> _returning = new();
    private BenchIdentity? _identity;

    public string Name => newBuyerEachJourney ? "journey" : "journey-returning";

    public string Description => newBuyerEachJourney
        ? "register → token → search → product page → add 2 offers (2 sellers) → cart, through the gateway: journeys/s, p50/p99 per journey and step"
        : "the journey of a signed-in buyer (registered and signed in before the load): search → page → add 2 → cart";

    // Every bench journey comes from one IP: Auth (10/s per IP) would cap it at five journeys a second.
    public IReadOnlyDictionary<string, string> AppHostSettings => GatewayOverheadScenario.LiftedRateLimits;

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var gateway = context.CreateClient("gateway");
        var word = await CreateProductsAsync(context, gateway, cancellationToken);
        if (!newBuyerEachJourney)
        {
            _identity = context.Identity;
            foreach (var buyer in await context.Identity.RegisterBuyersAsync(context.Options.Concurrency, cancellationToken))
            {
                _returning.Enqueue(buyer);
            }

            Console.WriteLine($"Registered {_returning.Count} returning buyers");
        }

        var window = LoadWindow.StartingNow(context.Options);
        var result = await context.RunLoadAsync(Name, gateway, (client, ct) => JourneyAsync(client, word, ct), cancellationToken);

        var steps = new JsonObject();
        foreach (var step in Steps.Where(step => newBuyerEachJourney || step is not ("register" or "token")))
        {
            var measured = _samples.GetValueOrDefault(step)?.Where(s => window.Contains(s.Ended)).Select(s => s.Ticks).ToList() ?? [];
            var percentiles = new Percentiles([measured]);
            steps[step] = new JsonObject
            {
                ["p50_ms"] = percentiles.Milliseconds(0.50),
                ["p99_ms"] = percentiles.Milliseconds(0.99),
                ["count"] = measured.Count,
                ["failures_incl_warmup"] = _failures.GetValueOrDefault(step),
            };
            Console.WriteLine($"  {step,-13} p50 {percentiles.Milliseconds(0.50),8:0.00} ms  p99 {percentiles.Milliseconds(0.99),8:0.00} ms");
        }

        context.Metrics["journeys_per_s"] = Math.Round(result.Rps, 2);
        context.Metrics["steps"] = steps;
        context.Metrics["products"] = Products;
        context.Metrics["buyers"] = newBuyerEachJourney ? "a new buyer registered per journey" : $"{context.Options.Concurrency} registered before the load, one journey at a time each";
        context.Metrics["path"] = context.Platform is null ? "through the --target gateway" : "through the self-hosted gateway";
        context.Metrics["gateway_rate_limits"] = context.Platform is null ? "as configured on the target" : GatewayOverheadScenario.LiftedRateLimitsText;
        return result;
    }

    private async Task<bool> JourneyAsync(HttpClient gateway, string word, CancellationToken cancellationToken)
    {
        if (newBuyerEachJourney)
        {
            return await JourneyAsync(gateway, word, null, cancellationToken);
        }

        if (!_returning.TryDequeue(out var buyer))
        {
            throw new InvalidOperationException("More concurrent journeys than returning buyers.");
        }

        try
        {
            return await JourneyAsync(gateway, word, buyer.Email, cancellationToken);
        }
        finally
        {
            _returning.Enqueue(buyer);
        }
    }

    private async Task<bool> JourneyAsync(HttpClient gateway, string word, string? returningEmail, CancellationToken cancellationToken)
    {
        var email = returningEmail ?? $"bench-{Guid.NewGuid():N}@example.test";
        if (returningEmail is null && !await RegisterAsync(gateway, email, cancellationToken))
        {
            return false;
        }

        string? token = null;
        if (returningEmail is not null)
        {
            // Signed in already: the token from setup, fetched again only a minute before it expires.
            token = await _identity!.TokenAsync(email, BenchIdentity.BuyerPassword, cancellationToken);
        }
        else if (!await TimeAsync("token", cancellationToken, async ct =>
            {
                token = (await BenchIdentity.RequestAsync(gateway, email, BenchIdentity.BuyerPassword, ct)).AccessToken;
                return true;
            }))
        {
            return false;
        }

        Guid productId = default;
        if (!await TimeAsync("search", cancellationToken, async ct =>
            {
                using var request = BenchIdentity.Authorized(HttpMethod.Get, $"api/search/products?q={word}&pageSize=20", token!);
                using var response = await gateway.SendAsync(request, ct);
                var items = response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonObject>(ct))?["items"]?.AsArray() : null;
                if (items is not { Count: > 0 })
                {
                    return false;
                }

                productId = items[Random.Shared.Next(items.Count)]!["id"]!.GetValue<Guid>();
                return true;
            }))
        {
            return false;
        }

        Guid skuId = default;
        List<Guid> sellers = [];
        if (!await TimeAsync("product_page", cancellationToken, async ct =>
            {
                using var request = BenchIdentity.Authorized(HttpMethod.Get, $"api/catalog/products/{productId}", token!);
                using var response = await gateway.SendAsync(request, ct);
                var page = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>(ct) : null;
                var variant = page?["variants"]?.AsArray().FirstOrDefault(v => v?["offers"]?.AsArray().Count >= 2);
                if (variant is null)
                {
                    return false;
                }

                skuId = variant["id"]!.GetValue<Guid>();
                sellers = variant["offers"]!.AsArray().Select(o => o!["sellerId"]!.GetValue<Guid>()).Distinct().Take(2).ToList();
                return sellers.Count == 2;
            }))
        {
            return false;
        }

        for (var i = 0; i < 2; i++)
        {
            var seller = sellers[i];
            if (!await TimeAsync(i == 0 ? "add_item_1" : "add_item_2", cancellationToken, async ct =>
                {
                    using var request = BenchIdentity.Authorized(HttpMethod.Post, "api/cart/items", token!, JsonContent.Create(new { skuId, sellerId = seller, quantity = 1 }));
                    using var response = await gateway.SendAsync(request, ct);
                    return response.IsSuccessStatusCode;
                }))
            {
                return false;
            }
        }

        return await TimeAsync("cart", cancellationToken, async ct =>
        {
            using var request = BenchIdentity.Authorized(HttpMethod.Get, "api/cart", token!);
            using var response = await gateway.SendAsync(request, ct);
            var cart = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>(ct) : null;
            // Both lines just added, held (a returning buyer's cart also has earlier journeys' lines).
            var held = cart?["lines"]?.AsArray()
                .Where(line => line?["skuId"]?.GetValue<Guid>() == skuId && line["holdStatus"]?.GetValue<string>() == "held")
                .Select(line => line!["sellerId"]!.GetValue<Guid>())
                .ToHashSet() ?? [];
            return sellers.All(held.Contains);
        });
    }

    private Task<bool> RegisterAsync(HttpClient gateway, string email, CancellationToken cancellationToken) =>
        TimeAsync("register", cancellationToken, async ct =>
        {
            using var response = await gateway.PostAsJsonAsync(BenchIdentity.RegisterPath, new { email, password = BenchIdentity.BuyerPassword, name = "Bench Buyer" }, ct);
            return response.IsSuccessStatusCode;
        });

    /// <summary>Times one step; a step that fails (or throws) is counted against its name and ends the journey.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "The step's body reads best last, as with Task.Run.")]
    private async Task<bool> TimeAsync(string step, CancellationToken cancellationToken, Func<CancellationToken, Task<bool>> action)
    {
        var started = Stopwatch.GetTimestamp();
        bool ok;
        try
        {
            ok = await action(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _failures.AddOrUpdate(step, 1, (_, n) => n + 1);
            throw;
        }

        var ended = Stopwatch.GetTimestamp();
        if (ok)
        {
            _samples.GetOrAdd(step, _ => new ConcurrentQueue<(long, long)>()).Enqueue((ended, ended - started));
        }
        else
        {
            _failures.AddOrUpdate(step, 1, (_, n) => n + 1);
        }

        return ok;
    }

    /// <summary>Products of demo seller A, each SKU offered by seller B too, with stock for both; searchable before it returns.</summary>
    private static async Task<string> CreateProductsAsync(BenchContext context, HttpClient gateway, CancellationToken cancellationToken)
    {
        var word = $"journey{Guid.NewGuid():N}"[..16];
        var sellerA = await context.Identity.TokenAsync(PlatformIdentity.DemoSellerA, PlatformIdentity.DemoPassword, cancellationToken);
        var sellerB = await context.Identity.TokenAsync(PlatformIdentity.DemoSellerB, PlatformIdentity.DemoPassword, cancellationToken);
        for (var i = 0; i < Products; i++)
        {
            using var created = await BenchIdentity.SendAsync(
                gateway, () => BenchIdentity.Authorized(HttpMethod.Post, "api/catalog/products", sellerA, JsonContent.Create(Product($"Trail runner {word} {i}"))), cancellationToken);
            await DemoCatalog.EnsureSuccessAsync(created, "Creating a product as seller A", cancellationToken);
            var product = (await created.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
            var skuId = product["variants"]![0]!["id"]!.GetValue<Guid>();

            using var offer = await BenchIdentity.SendAsync(
                gateway,
                () => BenchIdentity.Authorized(HttpMethod.Put, $"api/catalog/skus/{skuId}/offers/{PlatformIdentity.DemoSellerBId}", sellerB, JsonContent.Create(new { price = 89.50m, currency = "USD" })),
                cancellationToken);
            await DemoCatalog.EnsureSuccessAsync(offer, "Offering the SKU as seller B", cancellationToken);

            foreach (var (token, seller) in new[] { (sellerA, PlatformIdentity.DemoSellerAId), (sellerB, PlatformIdentity.DemoSellerBId) })
            {
                await DemoCatalog.SetStockAsync(gateway, token, skuId, seller, StockPerOffer, cancellationToken);
            }
        }

        // Search is fed by CDC; a journey that finds nothing would fail at its first read.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await gateway.GetAsync($"api/search/products?q={word}&pageSize=1", cancellationToken);
            var total = response.StatusCode == HttpStatusCode.OK ? (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))?["total"]?.GetValue<long>() : null;
            if (total >= Products)
            {
                break;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Search found {total} of the {Products} journey products after 60 s.");
            }

            await Task.Delay(250, cancellationToken);
        }

        Console.WriteLine($"Created {Products} products ('{word}') with offers from sellers A and B, searchable after {deadline.Elapsed.TotalSeconds:0.0} s");
        return word;
    }

    private static JsonObject Product(string title) => new()
    {
        ["title"] = title,
        ["description"] = "Light shell for wet hikes.",
        ["brand"] = "Northwind",
        ["category"] = "Apparel",
        ["images"] = new JsonArray(),
        ["attributes"] = new JsonObject { ["material"] = "nylon" },
        ["variants"] = new JsonArray(new JsonObject
        {
            ["code"] = $"BJ-{Guid.NewGuid():N}"[..15],
            ["attributes"] = new JsonObject { ["color"] = "green", ["size"] = "M" },
            ["price"] = 99.90m,
        }),
    };
}
