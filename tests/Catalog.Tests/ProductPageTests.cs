using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using AspireShop.Catalog.API.Services;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static AspireShop.Catalog.Tests.CatalogRequests;
using static AspireShop.Catalog.Tests.Events;

namespace AspireShop.Catalog.Tests;

public sealed class ProductPageTests(CatalogFixture fixture, ITestOutputHelper output) : IClassFixture<CatalogFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private CatalogApp App => fixture.App;

    [Fact]
    public async Task ThousandConcurrentRequestsForAColdPageLoadItOnceAndNeverAskInventory()
    {
        var owner = TestUser.NewSeller();
        var rival = TestUser.NewSeller();
        var product = await App.As(owner).CreateProductAsync();
        var contested = product.Variants[0].Id;
        using (var offer = await App.As(rival).PutAsJsonAsync($"/api/catalog/skus/{contested}/offers/{rival.SellerId}", new { price = 100m }, Json))
        {
            Assert.Equal(HttpStatusCode.OK, offer.StatusCode);
        }

        // Availability reaches Redis the way Inventory's events will: through the AvailabilityProjection.
        var expected = new Dictionary<OfferKey, int>
        {
            [new(product.Variants[0].Id, owner.SellerId!.Value)] = 5,
            [new(product.Variants[1].Id, owner.SellerId!.Value)] = 0,
            [new(contested, rival.SellerId!.Value)] = 12,
        };
        await PublishAsync(fixture.Infrastructure.KafkaBootstrapServers, expected.Select(e => Availability(e.Key.SkuId, e.Key.SellerId, e.Value, version: 1)));
        var redis = App.Service<IConnectionMultiplexer>();
        foreach (var offer in expected.Keys)
        {
            await Poll.UntilAsync(() => MirrorAsync(redis, offer.SkuId, offer.SellerId), v => v is not null, Deadline, _ => $"{offer} never projected");
        }

        var meters = App.Service<System.Diagnostics.Metrics.IMeterFactory>();
        using var loads = new MetricCollector<long>(meters, CatalogMetrics.MeterName, CatalogMetrics.ProductLoads);
        using var inventoryCalls = new MetricCollector<long>(meters, CatalogMetrics.MeterName, CatalogMetrics.InventoryCalls);
        var client = App.Anonymous();

        var started = Stopwatch.GetTimestamp();
        var pages = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ => Task.Run(() => client.GetPageAsync(product.Id))));
        var elapsed = Stopwatch.GetElapsedTime(started);
        output.WriteLine($"1 000 concurrent cold requests: {elapsed.TotalMilliseconds:F0} ms, {loads.GetMeasurementSnapshot().Sum(m => m.Value)} load(s)");

        Assert.Equal(1, loads.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Empty(inventoryCalls.GetMeasurementSnapshot());
        Assert.All(pages, page =>
        {
            foreach (var variant in page.Variants)
            {
                foreach (var offer in variant.Offers)
                {
                    var available = expected[new OfferKey(variant.Id, offer.SellerId)];
                    Assert.Equal((available > 0 ? "in_stock" : "out_of_stock", available), (offer.Availability.Status, offer.Availability.Available!.Value));
                }
            }
        });
    }

    [Fact]
    public async Task WithRedisDownThePageStillAnswersWithUnknownAvailability()
    {
        await using var app = await CatalogApp.StartAsync(fixture.Infrastructure, new Dictionary<string, string?>
        {
            // Nothing listens there.
            ["ConnectionStrings:redis"] = $"127.0.0.1:{TestPorts.Free()}",
            ["Logging:LogLevel:AspireShop.BuildingBlocks"] = "None",
            ["Logging:LogLevel:Microsoft.Extensions.Caching"] = "None",
        });
        var product = await app.As(TestUser.NewSeller()).CreateProductAsync();

        for (var i = 0; i < 3; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var page = await app.Anonymous().GetPageAsync(product.Id);
            var elapsed = Stopwatch.GetElapsedTime(started);
            output.WriteLine($"page {i} with Redis down: {elapsed.TotalMilliseconds:F0} ms");

            Assert.Equal(product.Title, page.Title);
            Assert.All(page.Variants.SelectMany(v => v.Offers), o => Assert.Equal("unknown", o.Availability.Status));
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed}");
        }
    }

    [Fact]
    public async Task RepeatedInventoryFailuresOpenTheBreakerAndPagesKeepAnswering()
    {
        await using var app = await CatalogApp.StartAsync(fixture.Infrastructure, new Dictionary<string, string?>
        {
            ["Catalog:Inventory:BreakerMinimumThroughput"] = "4",
            ["Catalog:Inventory:BreakerFailureRatio"] = "0.5",
            ["Catalog:Inventory:BreakerSamplingDuration"] = "00:00:30",
            ["Catalog:Inventory:BreakDuration"] = "00:01:00",
        });
        var meters = app.Service<System.Diagnostics.Metrics.IMeterFactory>();
        using var circuit = new MetricCollector<int>(meters, CatalogMetrics.MeterName, CatalogMetrics.InventoryCircuitOpen);
        using var inventoryCalls = new MetricCollector<long>(meters, CatalogMetrics.MeterName, CatalogMetrics.InventoryCalls);
        var product = await app.As(TestUser.NewSeller()).CreateProductAsync();
        var client = app.Anonymous();

        circuit.RecordObservableInstruments();
        Assert.Equal(0, circuit.LastMeasurement?.Value);

        // Redis has no entry for these offers and Inventory refuses connections: every page asks, and fails.
        await Poll.UntilAsync(
            async () =>
            {
                var page = await client.GetPageAsync(product.Id);
                Assert.All(page.Variants.SelectMany(v => v.Offers), o => Assert.Equal("unknown", o.Availability.Status));
                circuit.RecordObservableInstruments();
                return circuit.LastMeasurement?.Value;
            },
            open => open == 1,
            Deadline,
            open => $"gauge {open} after {inventoryCalls.GetMeasurementSnapshot().Count} calls",
            TimeSpan.FromMilliseconds(50));

        var started = Stopwatch.GetTimestamp();
        var afterOpen = await client.GetPageAsync(product.Id);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(1));
        Assert.All(afterOpen.Variants.SelectMany(v => v.Offers), o => Assert.Equal("unknown", o.Availability.Status));
        Assert.Contains(inventoryCalls.GetMeasurementSnapshot(), m => Equals(m.Tags["outcome"], "failed"));
        Assert.Contains(inventoryCalls.GetMeasurementSnapshot(), m => Equals(m.Tags["outcome"], "circuit_open"));
    }
}
