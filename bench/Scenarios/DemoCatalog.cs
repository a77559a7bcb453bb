using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AspireShop.Bench.Scenarios;

/// <summary>The seeded demo catalog, as the catalog and search scenarios need it (through the public API only).</summary>
public static class DemoCatalog
{
    public const int SeededProducts = 10_000;

    // Development identity until the Identity service issues tokens; the AppHost enables it for the catalog.
    private const string AdminUser = "00000000-0000-0000-0000-0000000be4c1";

    public static async Task SeedAsync(HttpClient catalog, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/catalog/seed");
        request.Headers.Add("X-Dev-User", AdminUser);
        request.Headers.Add("X-Dev-Roles", "admin");
        using var response = await catalog.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
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

    /// <summary>Renames a product as its owner would; returns once the catalog committed the change.</summary>
    public static async Task RenameAsync(HttpClient catalog, Guid productId, Guid sellerId, string title, CancellationToken cancellationToken)
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
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/catalog/products/{productId}") { Content = JsonContent.Create(update) };
        request.Headers.Add("X-Dev-User", sellerId.ToString());
        request.Headers.Add("X-Dev-Roles", "seller");
        request.Headers.Add("X-Dev-Seller-Id", sellerId.ToString());
        using var response = await catalog.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
