using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The storefront's server-rendered pages (WebApp → gateway → services) beside the API's product page in one run:
/// rounds API product page, WebApp product page, WebApp search page, then the same in reverse, so a drift of the
/// machine's load weighs on all three alike. Anonymous shoppers, warm seeded products; the gateway's per-IP limits
/// are lifted (every WebApp request reaches the gateway from one address).
/// </summary>
public sealed class StorefrontScenario : IScenario
{
    private const int Rotation = 100;
    private static readonly string[] Words = ["shirt", "phone", "wireless", "cotton", "black", "pro", "classic", "steel", "running", "camera"];

    public string Name => "storefront";

    public string Description => $"GET /products/{{id}} and /search?q= server-rendered by the WebApp over {Rotation} warm products, beside GET api/catalog/products/{{id}} through the gateway (self-hosted only)";

    public IReadOnlyDictionary<string, string> AppHostSettings => GatewayOverheadScenario.LiftedRateLimits;

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        _ = context.Platform ?? throw new InvalidOperationException("storefront needs the self-hosted platform: the WebApp is not behind the --target gateway.");
        var catalog = context.CreateClient("catalog");
        var gateway = context.CreateClient("gateway");
        var webApp = context.CreateClient("webapp");

        await DemoCatalog.SeedAsync(catalog, context.Identity, cancellationToken);
        var products = await DemoCatalog.ProductsAsync(catalog, Rotation, cancellationToken);
        var search = context.CreateClient("search");
        await DemoCatalog.WaitForSearchTotalAsync(search, DemoCatalog.SeededProducts, TimeSpan.FromMinutes(5), cancellationToken);
        await DemoCatalog.WaitUntilSearchSettledAsync(search, TimeSpan.FromMinutes(5), cancellationToken);
        var quiet = await MachineQuiet.WaitAsync(maxBusyShare: 0.25, TimeSpan.FromMinutes(6), cancellationToken);
        context.Metrics["waited_for_quiet_s"] = Math.Round(quiet.TotalSeconds, 1);
        foreach (var (id, _) in products)
        {
            using var warmApi = await gateway.GetAsync($"api/catalog/products/{id}", cancellationToken);
            await DemoCatalog.EnsureSuccessAsync(warmApi, $"API product page {id}", cancellationToken);
            using var warmPage = await webApp.GetAsync($"products/{id}", cancellationToken);
            await DemoCatalog.EnsureSuccessAsync(warmPage, $"WebApp product page {id}", cancellationToken);
        }

        LoadStep apiProduct = (client, ct) => OkAsync(client, $"api/catalog/products/{products[Random.Shared.Next(products.Count)].Id}", ct);
        LoadStep productPage = (client, ct) => OkAsync(client, $"products/{products[Random.Shared.Next(products.Count)].Id}", ct);
        LoadStep searchPage = (client, ct) => OkAsync(client, $"search?q={Words[Random.Shared.Next(Words.Length)]}", ct);

        var half = context.Options with { Duration = context.Options.Duration / 2 };
        var settle = half with { Warmup = TimeSpan.FromSeconds(Math.Min(2, context.Options.Warmup.TotalSeconds)) };
        var rounds = new List<(string Target, LoadResult Result)>();
        foreach (var (target, client, step, options) in new[]
        {
            ("api_product_page", gateway, apiProduct, half), ("product_page", webApp, productPage, half), ("search_page", webApp, searchPage, half),
            ("search_page", webApp, searchPage, settle), ("product_page", webApp, productPage, settle), ("api_product_page", gateway, apiProduct, settle),
        })
        {
            var round = await context.RunLoadAsync($"{Name}:{target}", client, step, cancellationToken, options);
            Console.WriteLine(round.Summary($"  {target} round"));
            rounds.Add((target, round));
        }

        LoadResult Of(string target) => LoadResult.Combine(rounds.Where(r => r.Target == target).Select(r => r.Result).ToList());
        var api = Of("api_product_page");
        var product = Of("product_page");
        var searchResult = Of("search_page");
        context.Headline["product_page_rps"] = Math.Round(product.Rps, 1);
        context.Headline["product_page_p99_ms"] = product.P99Ms;
        context.Headline["api_product_page_rps"] = Math.Round(api.Rps, 1);
        context.Metrics["api_product_page_p99_ms"] = api.P99Ms;
        context.Metrics["search_page_rps"] = Math.Round(searchResult.Rps, 1);
        context.Metrics["search_page_p99_ms"] = searchResult.P99Ms;
        context.Metrics["product_page_to_api_rps"] = api.Rps > 0 ? Math.Round(product.Rps / api.Rps, 3) : 0;
        context.Metrics["products_in_rotation"] = products.Count;
        context.Metrics["order"] = "api, product page, search page, then reversed: half the duration each (first rounds after the full warm-up, second after 2 s)";
        context.Metrics["api_product_page"] = api.ToJson();
        context.Metrics["product_page"] = product.ToJson();
        context.Metrics["search_page"] = searchResult.ToJson();
        context.Metrics["gateway_rate_limits"] = GatewayOverheadScenario.LiftedRateLimitsText;
        return product;
    }

    private static async Task<bool> OkAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
