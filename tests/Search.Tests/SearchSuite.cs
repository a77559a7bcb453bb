extern alias CatalogApi;

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using AspireShop.Search.API.Domain;
using AspireShop.Search.API.Indexing;
using AspireShop.TestKit;
using CatalogApi::AspireShop.Catalog.API.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace AspireShop.Search.Tests;

/// <summary>
/// The search service's behaviour end to end: catalog tables → CdcRelay → Kafka → Search → index → HTTP. The same suite
/// runs once per backend (Lucene here, Elasticsearch where one is configured).
/// </summary>
public abstract class SearchSuite(SearchStack stack, ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> NoAttributes = [];

    private SearchHost Host => stack.Host;

    private NpgsqlDataSource Catalog => stack.Catalog;

    [BackendFact]
    public async Task CreatedUpdatedAndDeletedProductsShowWithinTwoSeconds()
    {
        var token = CatalogData.Token();
        var product = await CatalogData.AddAsync(Catalog, new ProductSpec(
            $"Trail runner {token}", "A light shoe for rough paths", "Stride", "shoes",
            new Dictionary<string, string> { ["material"] = "mesh" },
            CatalogData.OneOffer(89.90m, new Dictionary<string, string> { ["color"] = "blue" })));

        var created = await Host.UntilAsync($"q={token}", r => r.Items.SingleOrDefault()?.MinPrice == 89.90m && Colors(r).Any());
        var hit = created.Items.Single();
        Assert.Equal((product.Id, "Stride", "shoes", 89.90m, 89.90m, "EUR", true), (hit.Id, hit.Brand, hit.Category, hit.MinPrice, hit.MaxPrice, hit.Currency, hit.InStock));
        Assert.Equal(["mesh"], created.Facets.Attributes["material"].Select(f => f.Value));

        await CatalogData.ExecuteAsync(Catalog, "UPDATE products SET title = $1, updated_at = now() WHERE id = $2", $"Road runner {token}", product.Id);
        await Host.UntilAsync($"q={token}", r => r.Items.SingleOrDefault()?.Title == $"Road runner {token}");

        await CatalogData.ExecuteAsync(Catalog, "UPDATE offers SET price = 79.50, updated_at = now() WHERE sku_id = $1", product.SkuIds[0]);
        await Host.UntilAsync($"q={token}", r => r.Items.SingleOrDefault()?.MinPrice == 79.50m);

        // A second variant with its own offer widens the price range and adds its color to the product's attributes.
        var sku = Guid.NewGuid();
        await CatalogData.ExecuteAsync(Catalog,
            """INSERT INTO skus (id, product_id, code, attributes) VALUES ($1, $2, $3, '{"color": "red"}')""", sku, product.Id, $"RED-{sku:N}"[..20]);
        await CatalogData.ExecuteAsync(Catalog, "INSERT INTO offers (sku_id, seller_id, price, currency) VALUES ($1, $2, 99.00, 'EUR')", sku, Guid.NewGuid());
        var widened = await Host.UntilAsync($"q={token}", r => r.Items.SingleOrDefault()?.MaxPrice == 99.00m);
        Assert.Equal(79.50m, widened.Items[0].MinPrice);
        Assert.Equal(["blue", "red"], widened.Facets.Attributes["color"].Select(f => f.Value).Order());

        await CatalogData.ExecuteAsync(Catalog, "DELETE FROM products WHERE id = $1", product.Id);
        await Host.UntilAsync($"q={token}", r => r.Total == 0);
    }

    [BackendFact]
    public async Task AvailabilityEventsDecideInStockAndOlderOnesAreIgnored()
    {
        var token = CatalogData.Token();
        var (sellerA, sellerB) = (Guid.NewGuid(), Guid.NewGuid());
        var product = await CatalogData.AddAsync(Catalog, new ProductSpec(
            $"Kettle {token}", Category: "kitchen",
            Variants: [new VariantSpec(NoAttributes, new OfferSpec(30m, SellerId: sellerA), new OfferSpec(32m, SellerId: sellerB))]));
        var sku = product.SkuIds[0];

        // Nothing heard from Inventory yet: the offers count as sellable.
        await Host.UntilAsync($"q={token}", r => r.Items.SingleOrDefault()?.InStock == true);

        await PublishAvailabilityAsync(sku, sellerA, available: 0, version: 1);
        await PublishAvailabilityAsync(sku, sellerB, available: 0, version: 1);
        await Host.UntilAsync($"q={token}", r => r.Items.SingleOrDefault()?.InStock == false);

        await PublishAvailabilityAsync(sku, sellerA, available: 5, version: 2);
        await Host.UntilAsync($"q={token}", r => r.Items.SingleOrDefault()?.InStock == true);

        using var stale = StaleWrites();
        await PublishAvailabilityAsync(sku, sellerA, available: 0, version: 1);
        await PollAsync(() => Task.FromResult(MirrorStale(stale)), count => count >= 1, "the late availability event was not seen");
        Assert.True((await Host.SearchAsync($"q={token}")).Items.Single().InStock);
    }

    [BackendFact]
    public async Task ARestartedServiceCatchesUpOnChangesMadeWhileItWasDown()
    {
        var token = CatalogData.Token();
        var seeded = await CatalogData.AddAsync(Catalog,
            new ProductSpec($"Alpha {token}", Variants: CatalogData.OneOffer(10m)),
            new ProductSpec($"Gamma {token}", Variants: CatalogData.OneOffer(30m)));
        await Host.UntilAsync($"q={token}", r => r.Total == 2);

        var (alpha, gamma) = (seeded[0], seeded[1]);
        await stack.RestartHostAsync(async () =>
        {
            await CatalogData.ExecuteAsync(Catalog, "UPDATE products SET title = $1 WHERE id = $2", $"Alpha prime {token}", alpha.Id);
            await CatalogData.ExecuteAsync(Catalog, "UPDATE offers SET price = 12.50 WHERE sku_id = $1", alpha.SkuIds[0]);
            await CatalogData.ExecuteAsync(Catalog, "DELETE FROM products WHERE id = $1", gamma.Id);
            await CatalogData.AddAsync(Catalog, new ProductSpec($"Beta {token}", Variants: CatalogData.OneOffer(20m)));
        });

        var started = Stopwatch.GetTimestamp();
        var caughtUp = await Host.UntilAsync(
            $"q={token}&sort=price_asc",
            r => r.Items.Select(i => (i.Title, i.MinPrice)).SequenceEqual([($"Alpha prime {token}", 12.50m), ($"Beta {token}", 20m)]),
            TimeSpan.FromSeconds(15));
        output.WriteLine($"[{stack.Backend}] restarted service caught up {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms after start");
        Assert.Equal(2, caughtUp.Total);
    }

    [BackendFact]
    public async Task DuplicatedAndReorderedEventsLeaveTheIndexCorrect()
    {
        var token = CatalogData.Token();
        var product = await CatalogData.AddAsync(Catalog, new ProductSpec(
            $"Lantern one {token}", Category: token, Variants: CatalogData.OneOffer(10m, new Dictionary<string, string> { ["color"] = "red" })));
        var (sku, offer) = (product.SkuIds[0], product.Offers[0]);
        await CatalogData.ExecuteAsync(Catalog, "UPDATE products SET title = $1 WHERE id = $2", $"Lantern two {token}", product.Id);
        await CatalogData.ExecuteAsync(Catalog, "UPDATE offers SET price = 20 WHERE sku_id = $1", sku);
        await CatalogData.ExecuteAsync(Catalog, """UPDATE skus SET attributes = '{"color": "green"}' WHERE id = $1""", sku);
        await CatalogData.ExecuteAsync(Catalog, "UPDATE products SET title = $1 WHERE id = $2", $"Lantern three {token}", product.Id);
        await CatalogData.ExecuteAsync(Catalog, "UPDATE offers SET price = 30 WHERE sku_id = $1", sku);
        await Host.UntilAsync($"category={token}", r => r.Items.SingleOrDefault() is { MinPrice: 30m } hit && hit.Title == $"Lantern three {token}");

        var history = stack.CatalogTopics
            .SelectMany(topic => TopicMessages.ReadAll(stack.KafkaBootstrapServers, topic))
            .Where(m => m.KeyText.Contains(product.Id.ToString(), StringComparison.Ordinal) || m.KeyText.Contains(sku.ToString(), StringComparison.Ordinal))
            .ToList();
        var changes = history.Count(m => m.Value is not null);
        Assert.Equal(8, changes);

        using var stale = StaleWrites();
        // Every change again in order (duplicates), then all of them newest first (older ones after newer ones).
        await TopicMessages.ProduceAsync(stack.KafkaBootstrapServers, [.. history, .. Enumerable.Reverse(history)]);
        // One more real change per topic: each lands behind the injected messages of its partition, so once all three
        // show, every injected message has been handled.
        await CatalogData.ExecuteAsync(Catalog, "UPDATE products SET title = $1 WHERE id = $2", $"Lantern four {token}", product.Id);
        await CatalogData.ExecuteAsync(Catalog, """UPDATE skus SET attributes = '{"color": "blue"}' WHERE id = $1""", sku);
        await CatalogData.ExecuteAsync(Catalog, "UPDATE offers SET price = 40 WHERE sku_id = $1 AND seller_id = $2", sku, offer.SellerId);

        var final = await Host.UntilAsync(
            $"category={token}",
            r => r.Items.SingleOrDefault() is { MinPrice: 40m } hit && hit.Title == $"Lantern four {token}" && Colors(r).SequenceEqual(["blue"]),
            TimeSpan.FromSeconds(5));
        Assert.Equal(1, final.Total);
        Assert.Equal(2 * changes, MirrorStale(stale));
    }

    [BackendFact]
    public async Task FacetsCountTheMatchesAndFiltersNarrowThem()
    {
        var token = CatalogData.Token("cat");
        static Dictionary<string, string> Color(string color) => new() { ["color"] = color };
        await CatalogData.AddAsync(Catalog,
            new ProductSpec("Aurora jacket", "Warm down jacket", "Northwind", token, new Dictionary<string, string> { ["material"] = "down" },
                [new VariantSpec(Color("red"), new OfferSpec(120m)), new VariantSpec(Color("blue"), new OfferSpec(125m))]),
            new ProductSpec("Breeze jacket", "Wind shell", "Northwind", token, null, CatalogData.OneOffer(80m, Color("red"))),
            new ProductSpec("Cirrus jacket", "Rain shell", "Fabrikam", token, null, CatalogData.OneOffer(45.50m, Color("green"))),
            new ProductSpec("Drift jacket", "Heavy parka", "Contoso", token, null,
                [new VariantSpec(Color("blue"), new OfferSpec(200m)), new VariantSpec(Color("black"), new OfferSpec(210m))]),
            new ProductSpec("Ember jacket", "Not on sale yet", "Fabrikam", token));
        // Products, SKUs and offers arrive on three topics: wait until every SKU (6 product-colour pairs) and every
        // offer (each product's full price range) is in, not just one per colour.
        (decimal?, decimal?)[] ranges = [(120m, 125m), (80m, 80m), (45.50m, 45.50m), (200m, 210m), (null, null)];
        var all = await Host.UntilAsync(
            $"category={token}",
            r => r.Total == 5
                && r.Items.OrderBy(i => i.Title, StringComparer.Ordinal).Select(i => (i.MinPrice, i.MaxPrice)).SequenceEqual(ranges)
                && r.Facets.Attributes.GetValueOrDefault("color")?.Sum(c => c.Count) == 6);

        Assert.Equal([("Fabrikam", 2L), ("Northwind", 2L), ("Contoso", 1L)], all.Facets.Brand.Select(f => (f.Value, f.Count)));
        Assert.Equal([(token, 5L)], all.Facets.Category.Select(f => (f.Value, f.Count)));
        Assert.Equal([("blue", 2L), ("red", 2L), ("black", 1L), ("green", 1L)], all.Facets.Attributes["color"].Select(f => (f.Value, f.Count)));
        Assert.Equal([("down", 1L)], all.Facets.Attributes["material"].Select(f => (f.Value, f.Count)));

        Assert.Equal(["Aurora jacket", "Breeze jacket"], await TitlesAsync($"category={token}&brand=northwind"));
        Assert.Equal(["Aurora jacket", "Breeze jacket", "Drift jacket"], await TitlesAsync($"category={token}&brand=Northwind&brand=Contoso"));
        Assert.Equal(["Aurora jacket", "Breeze jacket"], await TitlesAsync($"category={token}&minPrice=50&maxPrice=150"));
        Assert.Equal(["Cirrus jacket"], await TitlesAsync($"category={token}&minPrice=45.50&maxPrice=45.50"));
        Assert.Equal(["Aurora jacket", "Breeze jacket"], await TitlesAsync($"category={token}&attr.color=red"));
        Assert.Equal(["Aurora jacket", "Breeze jacket", "Cirrus jacket"], await TitlesAsync($"category={token}&attr.color=red&attr.color=green"));
        Assert.Equal(["Aurora jacket", "Breeze jacket"], await TitlesAsync($"category={token}&attr.Color=RED"));
        Assert.Equal(["Aurora jacket"], await TitlesAsync($"category={token}&brand=Northwind&attr.color=blue"));
        Assert.Equal(["Aurora jacket", "Breeze jacket", "Cirrus jacket", "Drift jacket", "Ember jacket"], await TitlesAsync($"q=jacket&category={token}"));
        Assert.Empty(await TitlesAsync($"category={token}&brand=nobody"));

        // Facets describe the filtered matches, not the whole category.
        var red = await Host.SearchAsync($"category={token}&attr.color=red");
        Assert.Equal([("Northwind", 2L)], red.Facets.Brand.Select(f => (f.Value, f.Count)));
        Assert.Equal([("blue", 1L), ("red", 2L)], red.Facets.Attributes["color"].Select(f => (f.Value, f.Count)).OrderBy(f => f.Value));
    }

    [BackendFact]
    public async Task SortOrdersAndPagingAreStable()
    {
        var token = CatalogData.Token("cat");
        var now = DateTimeOffset.UtcNow;
        ProductSpec Product(string title, decimal? price, int daysAgo) =>
            new(title, Category: token, Variants: price is { } p ? CatalogData.OneOffer(p) : null, CreatedAt: now.AddDays(-daysAgo));
        await CatalogData.AddAsync(Catalog,
            Product("P30", 30m, 5), Product("P10", 10m, 1), Product("P50", 50m, 3), Product("P20", 20m, 2), Product("P40", 40m, 4), Product("Pnone", null, 6));
        await Host.UntilAsync($"category={token}", r => r.Total == 6 && r.Items.Count(i => i.MinPrice is not null) == 5);

        Assert.Equal(["P10", "P20", "P30", "P40", "P50", "Pnone"], await TitlesAsync($"category={token}&sort=price_asc", keepOrder: true));
        Assert.Equal(["P50", "P40", "P30", "P20", "P10", "Pnone"], await TitlesAsync($"category={token}&sort=price_desc", keepOrder: true));
        Assert.Equal(["P10", "P20", "P50", "P40", "P30", "Pnone"], await TitlesAsync($"category={token}&sort=newest", keepOrder: true));

        var page2 = await Host.SearchAsync($"category={token}&sort=price_asc&page=2&pageSize=2");
        Assert.Equal((6L, 2, 2), (page2.Total, page2.Page, page2.PageSize));
        Assert.Equal(["P30", "P40"], page2.Items.Select(i => i.Title));
        var beyond = await Host.SearchAsync($"category={token}&sort=price_asc&page=4&pageSize=2");
        Assert.Equal(6, beyond.Total);
        Assert.Empty(beyond.Items);
    }

    [BackendFact]
    public async Task SnippetsHighlightTheMatchAndTitleMatchesRankFirst()
    {
        var token = CatalogData.Token("cat");
        await CatalogData.AddAsync(Catalog,
            new ProductSpec("Teapot", "Pairs well with the zephyr kettle by the window & <b>any</b> mug", "Contoso", token),
            new ProductSpec("Zephyr kettle", "A kettle for tea", "Contoso", token),
            new ProductSpec("Plain mug", "Nothing to see", "Contoso", token));
        await Host.UntilAsync($"category={token}", r => r.Total == 3);

        var result = await Host.SearchAsync($"q=zephyr&category={token}");
        Assert.Equal(["Zephyr kettle", "Teapot"], result.Items.Select(i => i.Title));
        Assert.Contains("<em>Zephyr</em>", result.Items[0].Snippet, StringComparison.Ordinal);
        var snippet = result.Items[1].Snippet!;
        Assert.Contains("<em>zephyr</em>", snippet, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", snippet, StringComparison.Ordinal);
        Assert.Contains("&amp;", snippet, StringComparison.Ordinal);

        var stemmed = await Host.SearchAsync($"q=kettles&category={token}");
        Assert.Equal(["Zephyr kettle", "Teapot"], stemmed.Items.Select(i => i.Title));
        Assert.Equal(2, (await Host.SearchAsync($"q=zephyr%20kettle&category={token}")).Total);
        Assert.Equal(0, (await Host.SearchAsync($"q=zephyr%20unicorn&category={token}")).Total);
    }

    [BackendFact]
    public async Task BadParametersAreRejectedWithAProblemNamingTheParameter()
    {
        (string Query, string Parameter)[] cases =
        [
            ("pageSize=101", "pageSize"),
            ("pageSize=0", "pageSize"),
            ("page=0", "page"),
            ("page=abc", "page"),
            ("page=1000&pageSize=100", "page"),
            ("minPrice=50&maxPrice=10", "minPrice"),
            ("minPrice=ten", "minPrice"),
            ("maxPrice=-1", "maxPrice"),
            ("maxPrice=1e3", "maxPrice"),
            ("sort=cheapest", "sort"),
            ("attr.=red", "attr."),
            ($"q={new string('x', 201)}", "q"),
        ];
        foreach (var (query, parameter) in cases)
        {
            using var response = await Host.Client.GetAsync($"/api/search/products?{query}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"?{query} answered {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), $"?{query}: no error for '{parameter}' in {body}");
        }
    }

    [BackendFact]
    public async Task RebuildRestoresAWipedIndexAndMirrorFromTheCatalogSnapshot()
    {
        var token = CatalogData.Token();
        var seeded = await CatalogData.AddAsync(Catalog,
            new ProductSpec($"Orchid lamp {token}", Brand: "Lumen", Variants: CatalogData.OneOffer(25m)),
            new ProductSpec($"Lotus lamp {token}", Brand: "Lumen", Variants: CatalogData.OneOffer(35m)));
        var (orchid, lotus) = (seeded[0], seeded[1]);
        await CatalogData.ExecuteAsync(Catalog, "UPDATE products SET title = $1 WHERE id = $2", $"Lotus lamp deluxe {token}", lotus.Id);
        await Host.UntilAsync($"q={token}", r => r.Items.Any(i => i.Title == $"Lotus lamp deluxe {token}"));

        await Host.Get<ISearchIndex>().ClearAsync(CancellationToken.None);
        await using (var wipe = stack.SearchDatabase.CreateCommand("TRUNCATE search_products, search_skus, search_offers, search_documents"))
        {
            await wipe.ExecuteNonQueryAsync();
        }

        await Host.UntilAsync($"q={token}", r => r.Total == 0);

        // A rebuild is heavy: only admins start one.
        using (var anonymous = await Host.Client.PostAsync("/admin/search/rebuild", null))
        using (var seller = await Host.PostAsync("/admin/search/rebuild", AspireShop.TestKit.TestUser.NewSeller()))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, seller.StatusCode);
        }

        using var response = await Host.PostAsync("/admin/search/rebuild");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"rebuild answered {(int)response.StatusCode}: {body}");
        var rebuilt = JsonSerializer.Deserialize<RebuildResult>(body, JsonSerializerOptions.Web)!;
        output.WriteLine($"[{stack.Backend}] rebuild: {body}");
        Assert.True(rebuilt.Documents >= 2, body);

        var restored = await Host.UntilAsync($"q={token}&sort=price_asc", r => r.Total == 2);
        Assert.Equal([($"Orchid lamp {token}", 25m), ($"Lotus lamp deluxe {token}", 35m)], restored.Items.Select(i => (i.Title, i.MinPrice!.Value)));

        // Events the snapshot already contains lose against it (their transactions were visible to it) ...
        var lotusHistory = TopicMessages.ReadAll(stack.KafkaBootstrapServers, stack.CatalogTopics[0])
            .Where(m => m.Value is not null && m.KeyText.Contains(lotus.Id.ToString(), StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, lotusHistory.Count);
        using var stale = StaleWrites();
        await TopicMessages.ProduceAsync(stack.KafkaBootstrapServers, lotusHistory);
        await PollAsync(() => Task.FromResult(MirrorStale(stale)), count => count >= 2, "the replayed events were not refused");
        Assert.Equal($"Lotus lamp deluxe {token}", (await Host.SearchAsync($"q={token}&sort=price_asc")).Items[1].Title);

        // ... while new changes stream in as before.
        await CatalogData.ExecuteAsync(Catalog, "UPDATE offers SET price = 27 WHERE sku_id = $1", orchid.SkuIds[0]);
        await Host.UntilAsync($"q={token}&sort=price_asc", r => r.Items.Count > 0 && r.Items[0].MinPrice == 27m);
    }

    [BackendFact]
    public async Task EveryMappedRouteIsInTheOpenApiDocument() =>
        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(stack.Host.Services, stack.Host.Client));

    /// <summary>
    /// Catalog's CDC rows as Search reads them: Catalog's own migration, rows changed by the published column names
    /// (<c>Catalog.Contracts</c>), the real relay's change events, Search's real consumer. A renamed column fails here.
    /// </summary>
    [BackendFact]
    public async Task RowsWrittenToCatalogsMigratedSchemaAreSearchableAndFollowTheirChanges()
    {
        var prefix = CatalogData.Token("contract");
        await stack.CreateTopicsAsync(prefix);
        var catalogDb = await stack.CreateDatabaseAsync("catalog_contract");
        Assert.Equal(0, await CatalogCommands.RunAsync([CatalogCommands.Migrate, $"--ConnectionStrings:catalogdb={catalogDb}", "--Logging:LogLevel:Default=None"]));
        await using var relay = await CatalogRelay.StartAsync(prefix, catalogDb, stack.KafkaBootstrapServers);
        var overrides = SearchStack.ConsumerSettings(prefix);
        overrides["ConnectionStrings:catalogdb-snapshot"] = catalogDb;
        overrides["ConnectionStrings:searchdb"] = await stack.CreateSearchDatabaseAsync();
        overrides["Search:IndexPath"] = RepositoryIndexPath();
        overrides["Search:IndexName"] = prefix;
        await using var host = new SearchHost(stack.Settings(overrides));
        await using var catalog = NpgsqlDataSource.Create(catalogDb);
        var (skuId, sellerId, word) = (Guid.NewGuid(), Guid.NewGuid(), CatalogData.Token("jacket"));

        await CatalogRows.InsertAsync(catalog, Guid.NewGuid(), skuId, sellerId, $"Contract jacket {word}", 19.90m);
        // Product, SKU and offer rows travel on separate topics, so the hit may show before its offer: wait for the offer.
        var found = await host.UntilAsync($"q={word}", r => r.Total == 1 && r.Items[0].MinPrice is not null, TimeSpan.FromSeconds(30));
        var hit = Assert.Single(found.Items);
        Assert.Equal(($"Contract jacket {word}", "Contract", 19.90m), (hit.Title, hit.Brand, hit.MinPrice));

        await CatalogRows.SetPriceAsync(catalog, skuId, sellerId, 24.50m);
        await host.UntilAsync($"q={word}", r => r.Items.SingleOrDefault()?.MinPrice == 24.50m, TimeSpan.FromSeconds(30));
    }

    [BackendFact]
    public async Task RebuildWithoutASnapshotSourceIsAConflict()
    {
        var prefix = CatalogData.Token("cat");
        await stack.CreateTopicsAsync(prefix);
        var index = RepositoryIndexPath();
        var overrides = SearchStack.ConsumerSettings(prefix);
        overrides["ConnectionStrings:catalogdb-snapshot"] = null;
        overrides["ConnectionStrings:searchdb"] = await stack.CreateSearchDatabaseAsync();
        overrides["Search:IndexPath"] = index;
        overrides["Search:IndexName"] = prefix;
        await using var host = new SearchHost(stack.Settings(overrides));
        try
        {
            using var response = await host.PostAsync("/admin/search/rebuild");
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("catalogdb-snapshot", body, StringComparison.Ordinal);
        }
        finally
        {
            await host.DisposeAsync();
            TestKit.RepositoryPaths.DeleteQuietly(index);
        }
    }

    [BackendFact]
    public async Task FreshnessAndQueryLatencyOnThousandsOfProducts()
    {
        const int count = 3000;
        var token = CatalogData.Token("bulk");
        string[] brands = ["Northwind", "Contoso", "Fabrikam", "Adatum", "Litware", "Proseware"];
        string[] colors = ["red", "blue", "green", "black", "white"];
        string[] words = ["jacket", "kettle", "lamp", "shoe", "mug", "chair", "desk", "bottle"];
        var specs = Enumerable.Range(0, count).Select(i => new ProductSpec(
            $"{words[i % words.Length]} {brands[i % brands.Length]} model {i}",
            $"A {colors[i % colors.Length]} {words[(i + 3) % words.Length]} made for everyday use, item {i}",
            brands[i % brands.Length],
            token,
            new Dictionary<string, string> { ["material"] = i % 2 == 0 ? "steel" : "wood" },
            [new VariantSpec(new Dictionary<string, string> { ["color"] = colors[i % colors.Length] }, new OfferSpec(5m + i % 400))])).ToArray();

        var started = Stopwatch.GetTimestamp();
        foreach (var chunk in specs.Chunk(500))
        {
            await CatalogData.AddAsync(Catalog, chunk);
        }

        await Host.UntilAsync($"category={token}&pageSize=1", r => r.Total == count, TimeSpan.FromSeconds(120));
        var loadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        // Freshness: commit of a price change → visible in a search, one change at a time.
        var product = (await CatalogData.AddAsync(Catalog, new ProductSpec($"Probe {token}", Category: token, Variants: CatalogData.OneOffer(1m)))).SkuIds[0];
        await Host.UntilAsync($"q=probe&category={token}", r => r.Total == 1);
        var freshness = new List<double>();
        for (var i = 2; i <= 21; i++)
        {
            var changed = Stopwatch.GetTimestamp();
            await CatalogData.ExecuteAsync(Catalog, "UPDATE offers SET price = $1 WHERE sku_id = $2", (decimal)i, product);
            await Host.UntilAsync($"q=probe&category={token}", r => r.Items.SingleOrDefault()?.MinPrice == i);
            freshness.Add(Stopwatch.GetElapsedTime(changed).TotalMilliseconds);
        }

        string[] queries =
        [
            $"q=jacket&category={token}", $"q=red%20kettle&category={token}", $"category={token}&brand=Contoso&sort=price_asc",
            $"category={token}&attr.color=blue&minPrice=50&maxPrice=200", $"q=steel%20lamp&category={token}&sort=newest&page=3",
            $"q=everyday&category={token}&sort=price_desc&pageSize=50",
        ];
        using var durations = new MetricCollector<double>(Host.Get<IMeterFactory>(), SearchMetrics.MeterName, "aspireshop.search.query.duration");
        var latencies = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            var result = await Host.SearchAsync(queries[i % queries.Length]);
            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            Assert.True(result.Total > 0, queries[i % queries.Length]);
        }

        var inIndex = durations.GetMeasurementSnapshot().Select(m => m.Value).ToList();
        output.WriteLine($"[{stack.Backend}] {count} products (9000 change events) indexed in {loadSeconds:F1} s");
        output.WriteLine($"[{stack.Backend}] freshness commit→searchable: p50 {Percentile(freshness, 50):F0} ms, max {freshness.Max():F0} ms (20 changes, 20 ms polling)");
        output.WriteLine($"[{stack.Backend}] query over HTTP (in-memory server): p50 {Percentile(latencies, 50):F2} ms, p99 {Percentile(latencies, 99):F2} ms; in the index: p50 {Percentile(inIndex, 50):F2} ms, p99 {Percentile(inIndex, 99):F2} ms");
        Assert.True(Percentile(freshness, 99) < 1500, $"freshness p99 {Percentile(freshness, 99)} ms");
        Assert.True(Percentile(latencies, 99) < 250, $"query p99 {Percentile(latencies, 99)} ms");
    }

    private static IEnumerable<string> Colors(SearchResponse response) =>
        response.Facets.Attributes.TryGetValue("color", out var colors) ? colors.Select(c => c.Value) : [];

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static long MirrorStale(MetricCollector<long> collector) =>
        collector.GetMeasurementSnapshot().Where(m => m.Tags.TryGetValue("stage", out var stage) && (string?)stage == "mirror").Sum(m => m.Value);

    private static string RepositoryIndexPath() => TestKit.RepositoryPaths.CreateScratchDirectory("search-index");

    private static Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string failure) =>
        TestKit.Poll.UntilAsync(probe, done, SearchHost.Step, _ => failure, TimeSpan.FromMilliseconds(20));

    private MetricCollector<long> StaleWrites() =>
        new(Host.Get<IMeterFactory>(), SearchMetrics.MeterName, "aspireshop.search.stale_writes_skipped");

    private async Task<List<string>> TitlesAsync(string query, bool keepOrder = false)
    {
        var titles = (await Host.SearchAsync($"{query}&pageSize=100")).Items.Select(i => i.Title);
        return keepOrder ? [.. titles] : [.. titles.Order(StringComparer.Ordinal)];
    }

    private async Task PublishAvailabilityAsync(Guid sku, Guid seller, int available, long version) =>
        await TopicMessages.ProduceAsync(
            stack.KafkaBootstrapServers,
            stack.AvailabilityTopic,
            sku.ToString(),
            JsonSerializer.Serialize(new { skuId = sku, sellerId = seller, available, version, occurredAt = DateTimeOffset.UtcNow }),
            Guid.NewGuid().ToString());
}

public sealed class LuceneSearchTests(LuceneStack stack, ITestOutputHelper output) : SearchSuite(stack, output), IClassFixture<LuceneStack>;

[ElasticsearchBackend]
public sealed class ElasticsearchSearchTests(ElasticsearchStack stack, ITestOutputHelper output) : SearchSuite(stack, output), IClassFixture<ElasticsearchStack>;
