using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.TestKit;
using Confluent.Kafka;

namespace AspireShop.Inventory.Tests;

/// <summary>Catalog's offer change events give every offered SKU a stock row, once, whatever is redelivered.</summary>
public sealed class OfferStockProjectionTests : IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure = new();

    public Task InitializeAsync() => _infrastructure.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AnOfferEventCreatesTheStockRowOnceWithTheDemoStock()
    {
        var topic = await _infrastructure.CreateTopicAsync("catalogdb.public.offers", partitions: 3);
        await using var app = await InventoryApp.StartAsync(_infrastructure, new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Messaging:Consumers:inventory.offer-stock:Topics:0"] = topic,
            ["Messaging:Consumers:inventory.offer-stock:GroupId"] = $"inventory.offer-stock.test-{Guid.NewGuid():N}",
            ["Inventory:Demo:InitialStock"] = "25",
        });
        var (skuId, sellerId, other) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        // A snapshot read, the same event again, an update and a delete of the same offer; one insert of another.
        await PublishAsync(topic, Change("r", skuId, sellerId), Change("r", skuId, sellerId), Change("u", skuId, sellerId), Change("d", skuId, sellerId), Change("c", other, sellerId));

        await Poll.UntilAsync(
            () => app.QueryScalarAsync<long>("SELECT count(*) FROM stock WHERE seller_id = $1", sellerId),
            count => count == 2,
            TimeSpan.FromSeconds(20),
            count => $"{count} of 2 stock rows");
        var stock = (await app.StockAsync(skuId, sellerId))!.Value;
        Assert.Equal((25, 0, 25, 1L), (stock.OnHand, stock.Reserved, stock.Available, stock.Version));
        Assert.Single(await app.AvailabilityEventsAsync(skuId, sellerId));

        // A seller's change is not undone by a redelivered event.
        using var seller = app.As(new TestUser(Guid.NewGuid(), sellerId, "seller"));
        using var put = await seller.PutAsync($"/api/inventory/stock/{skuId}/{sellerId}", JsonContent("""{"onHand":3}"""));
        put.EnsureSuccessStatusCode();
        await PublishAsync(topic, Change("r", skuId, sellerId), Change("c", Guid.NewGuid(), sellerId));
        await Poll.UntilAsync(
            () => app.QueryScalarAsync<long>("SELECT count(*) FROM stock WHERE seller_id = $1", sellerId),
            count => count == 3,
            TimeSpan.FromSeconds(20),
            count => $"{count} of 3 stock rows");
        Assert.Equal(3, (await app.StockAsync(skuId, sellerId))!.Value.OnHand);
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A Debezium change event for an offers row, shaped as the CdcRelay publishes it (schemas disabled).</summary>
    private static string Change(string op, Guid skuId, Guid sellerId)
    {
        var row = new { sku_id = skuId.ToString(), seller_id = sellerId.ToString(), price = "9.99", currency = "USD", updated_at = DateTimeOffset.UtcNow.ToString("O") };
        return JsonSerializer.Serialize(new
        {
            before = op == "d" ? row : null,
            after = op == "d" ? null : row,
            source = new { lsn = 1, txId = 1, ts_ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), db = "catalogdb", schema = "public", table = "offers" },
            op,
            ts_ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
    }

    private async Task PublishAsync(string topic, params string[] values)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _infrastructure.KafkaBootstrapServers }).Build();
        foreach (var value in values)
        {
            using var document = JsonDocument.Parse(value);
            var row = document.RootElement.GetProperty(document.RootElement.GetProperty("op").GetString() == "d" ? "before" : "after");
            await producer.ProduceAsync(topic, new Message<string, string>
            {
                Key = $$"""{"sku_id":"{{row.GetProperty("sku_id").GetString()}}","seller_id":"{{row.GetProperty("seller_id").GetString()}}"}""",
                Value = value,
                Headers = new Headers { { ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()) } },
            });
        }
    }
}
