using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AspireShop.Bench.Scenarios;

/// <summary>The seeded demo catalog, as the catalog and search scenarios need it (through the public API only).</summary>
public static class DemoCatalog
{
    public const int SeededProducts = 10_000;

    /// <summary>
    /// Where the overloads without an identity sign in: set by the run's <see cref="BenchContext"/> (one run per process),
    /// so scenarios written before real tokens keep their call sites.
    /// </summary>
    public static Lazy<BenchIdentity>? Identity { get; set; }

    private static BenchIdentity CurrentIdentity =>
        Identity?.Value ?? throw new InvalidOperationException("No BenchContext has been created: DemoCatalog does not know where Identity is.");

    /// <summary>
    /// Seeds the demo catalog as the demo admin (a real token); a seeded catalog is left as it is. Returns Catalog's answer
    /// (<c>seeded</c>, <c>products</c>, <c>skus</c>, <c>offers</c>).
    /// </summary>
    public static Task<JsonObject> SeedAsync(HttpClient catalog, CancellationToken cancellationToken) => SeedAsync(catalog, CurrentIdentity, cancellationToken);

    public static async Task<JsonObject> SeedAsync(HttpClient catalog, BenchIdentity identity, CancellationToken cancellationToken)
    {
        var admin = await identity.AdminAsync(cancellationToken);
        using var response = await BenchIdentity.SendAsync(catalog, () => BenchIdentity.Authorized(HttpMethod.Post, "admin/catalog/seed", admin), cancellationToken);
        await EnsureSuccessAsync(response, "Seeding the catalog", cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken) ?? throw new InvalidOperationException("The seed answered no body.");
    }

    /// <summary>A new one-variant product of the seller behind <paramref name="sellerToken"/>; its SKU id.</summary>
    public static async Task<Guid> NewOfferAsync(HttpClient catalog, string sellerToken, string title, CancellationToken cancellationToken)
    {
        var product = new JsonObject
        {
            ["title"] = title,
            ["description"] = "Made for the benchmark.",
            ["brand"] = "Northwind",
            ["category"] = "Bench",
            ["images"] = new JsonArray(),
            ["attributes"] = new JsonObject(),
            ["variants"] = new JsonArray(new JsonObject { ["code"] = $"BN-{Guid.NewGuid():N}"[..15], ["attributes"] = new JsonObject(), ["price"] = 19.90m }),
        };
        using var created = await BenchIdentity.SendAsync(
            catalog, () => BenchIdentity.Authorized(HttpMethod.Post, "api/catalog/products", sellerToken, JsonContent.Create(product)), cancellationToken);
        await EnsureSuccessAsync(created, $"Creating product '{title}'", cancellationToken);
        return (await created.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["variants"]![0]!["id"]!.GetValue<Guid>();
    }

    /// <summary>Sets stock of an offer once Catalog's change event has told Inventory about it (404 until then).</summary>
    public static Task SetStockAsync(HttpClient inventory, string sellerToken, Guid skuId, Guid sellerId, int onHand, CancellationToken cancellationToken) =>
        AspireShop.TestKit.OfferedStock.SetAsync(
            inventory, skuId, sellerId, onHand, request => request.Headers.Authorization = new("Bearer", sellerToken), cancellationToken: cancellationToken);

    /// <summary>The first <paramref name="count"/> products (id, owner), for requests that need real ids.</summary>
    public static async Task<IReadOnlyList<(Guid Id, Guid SellerId)>> ProductsAsync(HttpClient catalog, int count, CancellationToken cancellationToken)
    {
        var list = await catalog.GetFromJsonAsync<JsonObject>($"api/catalog/products?page=1&pageSize={count}", cancellationToken)
            ?? throw new InvalidOperationException("The catalog returned no product list.");
        return list["items"]!.AsArray()
            .Select(item => (item!["id"]!.GetValue<Guid>(), item["sellerId"]!.GetValue<Guid>()))
            .ToList();
    }

    /// <summary>Polls search until at least <paramref name="atLeast"/> documents match <paramref name="query"/>.</summary>
    public static async Task<long> WaitForSearchTotalAsync(
        HttpClient search, long atLeast, TimeSpan timeout, CancellationToken cancellationToken, string query = "", int pollMs = 500)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        long total = 0;
        while (deadline.Elapsed < timeout)
        {
            var page = await search.GetFromJsonAsync<JsonObject>($"api/search/products?{query}&pageSize=1", cancellationToken);
            total = page?["total"]?.GetValue<long>() ?? 0;
            if (total >= atLeast)
            {
                return total;
            }

            await Task.Delay(pollMs, cancellationToken);
        }

        throw new TimeoutException($"Search had {total} results for '{query}' after {timeout}, wanted {atLeast}.");
    }

    /// <summary>The facet counts and first page stop changing once the change stream is drained.</summary>
    public static async Task WaitUntilSearchSettledAsync(HttpClient search, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        var previous = "";
        while (deadline.Elapsed < timeout)
        {
            var current = await search.GetStringAsync("api/search/products?pageSize=5&sort=price_asc", cancellationToken);
            if (current == previous)
            {
                return;
            }

            previous = current;
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        }

        throw new TimeoutException($"The search index was still changing after {timeout}.");
    }

    /// <summary>
    /// Renames a product; returns once the catalog committed the change. Seeded products belong to seeded sellers who
    /// have no sign-in, so the demo admin (who may edit any product) writes it.
    /// </summary>
    public static Task RenameAsync(HttpClient catalog, Guid productId, string title, CancellationToken cancellationToken) =>
        RenameAsync(catalog, CurrentIdentity, productId, title, cancellationToken);

    public static async Task RenameAsync(HttpClient catalog, BenchIdentity identity, Guid productId, string title, CancellationToken cancellationToken)
    {
        var page = await catalog.GetFromJsonAsync<JsonObject>($"api/catalog/products/{productId}", cancellationToken)
            ?? throw new InvalidOperationException($"Product {productId} not found.");
        var update = new JsonObject
        {
            ["title"] = title,
            ["description"] = page["description"]?.DeepClone(),
            ["brand"] = page["brand"]?.DeepClone(),
            ["category"] = page["category"]?.DeepClone(),
            ["images"] = page["images"]?.DeepClone(),
            ["attributes"] = page["attributes"]?.DeepClone(),
        };
        var admin = await identity.AdminAsync(cancellationToken);
        using var response = await BenchIdentity.SendAsync(
            catalog, () => BenchIdentity.Authorized(HttpMethod.Put, $"api/catalog/products/{productId}", admin, JsonContent.Create(update)), cancellationToken);
        await EnsureSuccessAsync(response, $"Renaming product {productId}", cancellationToken);
    }

    /// <summary>
    /// Freshness of single edits: each sample renames a product and times the committed update to the first search that
    /// finds it (goal p99 &lt; 1.5 s); the figures land in the run's metrics as <c>freshness_*</c>.
    /// </summary>
    public static async Task MeasureFreshnessAsync(
        BenchContext context, HttpClient catalog, HttpClient search, IReadOnlyList<(Guid Id, Guid SellerId)> products, int samples, CancellationToken cancellationToken)
    {
        var freshness = new List<long>();
        var timeouts = 0;
        for (var i = 0; i < samples; i++)
        {
            var (id, _) = products[i % products.Count];
            var token = $"fresh{Guid.NewGuid():N}"[..17];
            await RenameAsync(catalog, id, $"Renamed {token}", cancellationToken);
            var committed = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await WaitForSearchTotalAsync(search, 1, TimeSpan.FromSeconds(10), cancellationToken, $"q={token}", pollMs: 5);
                freshness.Add(System.Diagnostics.Stopwatch.GetTimestamp() - committed);
            }
            catch (TimeoutException)
            {
                // Reported, not thrown: a rename that never shows up is the finding, and the other figures still count.
                timeouts++;
            }
        }

        var percentiles = new Load.Percentiles([freshness]);
        context.Metrics["freshness_timeouts_10s"] = timeouts;
        context.Metrics["freshness_samples"] = freshness.Count;
        context.Metrics["freshness_p50_ms"] = percentiles.Milliseconds(0.50);
        context.Metrics["freshness_p99_ms"] = percentiles.Milliseconds(0.99);
        context.Metrics["freshness_goal_p99_ms"] = 1500;
    }

    /// <summary>Like EnsureSuccessStatusCode, with the body (a ProblemDetails says why).</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {response.ReasonPhrase} {body}");
        }
    }
}
