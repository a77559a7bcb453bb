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

    /// <summary>Seeds the demo catalog as the demo admin (a real token); a seeded catalog is left as it is.</summary>
    public static Task SeedAsync(HttpClient catalog, CancellationToken cancellationToken) => SeedAsync(catalog, CurrentIdentity, cancellationToken);

    public static async Task SeedAsync(HttpClient catalog, BenchIdentity identity, CancellationToken cancellationToken)
    {
        var admin = await identity.AdminAsync(cancellationToken);
        using var response = await BenchIdentity.SendAsync(catalog, () => BenchIdentity.Authorized(HttpMethod.Post, "admin/catalog/seed", admin), cancellationToken);
        await EnsureSuccessAsync(response, "Seeding the catalog", cancellationToken);
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
    public static async Task SetStockAsync(HttpClient inventory, string sellerToken, Guid skuId, Guid sellerId, int onHand, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await BenchIdentity.SendAsync(
                inventory, () => BenchIdentity.Authorized(HttpMethod.Put, $"api/inventory/stock/{skuId}/{sellerId}", sellerToken, JsonContent.Create(new { onHand })), cancellationToken);
            if (response.StatusCode != System.Net.HttpStatusCode.NotFound || DateTime.UtcNow > deadline)
            {
                await EnsureSuccessAsync(response, $"Setting stock of {skuId}", cancellationToken);
                return;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

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
