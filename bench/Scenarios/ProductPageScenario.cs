using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;
using Confluent.Kafka;

namespace AspireShop.Bench.Scenarios;

/// <summary>Warm product pages: the HybridCache document plus one Redis round trip for availability, per request.</summary>
public sealed class ProductPageScenario : SingleLoadScenario
{
    private const int Rotation = 100;
    private IReadOnlyList<(Guid Id, Guid SellerId)> _products = [];

    public override string Name => "product-page";

    public override string Description => $"GET api/catalog/products/{{id}} over {Rotation} warm products of the seeded catalog (goal: p99 < 10 ms)";

    protected override async Task SetupAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await DemoCatalog.SeedAsync(context.Client, cancellationToken);
        _products = await DemoCatalog.ProductsAsync(context.Client, Rotation, cancellationToken);
        if (context.Platform is { } platform)
        {
            // The seed's change events keep Search busy for a while; measure the page, not the indexing next to it.
            using var search = platform.CreateHttpClient("search");
            await DemoCatalog.WaitForSearchTotalAsync(search, DemoCatalog.SeededProducts, TimeSpan.FromMinutes(5), cancellationToken);
            await DemoCatalog.WaitUntilSearchSettledAsync(search, TimeSpan.FromMinutes(5), cancellationToken);
            await PublishAvailabilityAsync(context, await platform.GetConnectionStringAsync("kafka-bootstrap"), cancellationToken);
            // The seed's demo stock (one availability event per offer) keeps Search and Catalog busy after the index settled.
            var quiet = await MachineQuiet.WaitAsync(maxBusyShare: 0.25, TimeSpan.FromMinutes(6), cancellationToken);
            context.Metrics["waited_for_quiet_s"] = Math.Round(quiet.TotalSeconds, 1);
        }

        foreach (var (id, _) in _products)
        {
            using var warm = await context.Client.GetAsync($"api/catalog/products/{id}", cancellationToken);
            warm.EnsureSuccessStatusCode();
        }
    }

    /// <summary>
    /// Stands in for Inventory (not built yet): availability events for every offer in rotation, which the catalog's
    /// AvailabilityProjection writes to Redis, so the page makes no Inventory call, as designed.
    /// </summary>
    private async Task PublishAvailabilityAsync(BenchContext context, string kafka, CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka, EnableIdempotence = true }).Build();
        var offers = 0;
        foreach (var (id, _) in _products)
        {
            var page = await context.Client.GetFromJsonAsync<JsonObject>($"api/catalog/products/{id}", cancellationToken);
            foreach (var variant in page?["variants"]?.AsArray() ?? [])
            {
                foreach (var offer in variant?["offers"]?.AsArray() ?? [])
                {
                    var sku = variant!["id"]!.GetValue<Guid>();
                    var seller = offer!["sellerId"]!.GetValue<Guid>();
                    var payload = new JsonObject { ["skuId"] = sku, ["sellerId"] = seller, ["available"] = 25, ["version"] = 1, ["occurredAt"] = DateTimeOffset.UtcNow };
                    await producer.ProduceAsync("outbox.event.availability", new Message<string, string>
                    {
                        Key = $"{sku}:{seller}",
                        Value = payload.ToJsonString(),
                        Headers = [new Header("id", Encoding.UTF8.GetBytes(Guid.NewGuid().ToString())), new Header("type", "AvailabilityChanged"u8.ToArray())],
                    }, cancellationToken);
                    offers++;
                }
            }
        }

        context.Metrics["offers_with_availability"] = offers;
        // The projection writes them asynchronously; pages cached before that would still say "unknown".
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
    }

    protected override async Task<bool> SendAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var (id, _) = _products[Random.Shared.Next(_products.Count)];
        using var response = await client.GetAsync($"api/catalog/products/{id}", cancellationToken);
        return response.IsSuccessStatusCode;
    }

    protected override void AddMetrics(BenchContext context, LoadResult result)
    {
        context.Metrics["products_in_rotation"] = _products.Count;
        context.Metrics["goal_p99_ms"] = 10;
        context.Metrics["goal_met"] = result.P99Ms < 10;
    }
}
