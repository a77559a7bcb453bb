using System.Text;
using System.Text.Json;
using AspireShop.Catalog.Contracts;
using Confluent.Kafka;

namespace AspireShop.TestKit;

/// <summary>
/// Catalog's offer change events as the CdcRelay publishes them (Debezium envelope, schemas disabled), for tests of a
/// consumer that run without Catalog; the contract tests prove the shape against Catalog's real schema and relay.
/// </summary>
public static class CatalogOfferEvents
{
    private static long _lsn = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000;

    /// <summary>The next log position: events made later are newer, as in a real WAL.</summary>
    public static long NextLsn() => Interlocked.Increment(ref _lsn);

    public static string Change(string op, Guid skuId, Guid sellerId, long? lsn = null)
    {
        var row = new Dictionary<string, string>
        {
            [CatalogTables.Offers.SkuId] = skuId.ToString(),
            [CatalogTables.Offers.SellerId] = sellerId.ToString(),
            [CatalogTables.Offers.Price] = "9.99",
            [CatalogTables.Offers.Currency] = "USD",
            [CatalogTables.Offers.UpdatedAt] = DateTimeOffset.UtcNow.ToString("O"),
        };
        return JsonSerializer.Serialize(new
        {
            before = op == "d" ? row : null,
            after = op == "d" ? null : row,
            source = new { lsn = lsn ?? NextLsn(), txId = 1, ts_ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), db = "catalogdb", schema = "public", table = CatalogTables.Offers.Table },
            op,
            ts_ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
    }

    public static async Task PublishAsync(string kafka, string topic, params string[] values)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka }).Build();
        foreach (var value in values)
        {
            using var document = JsonDocument.Parse(value);
            var row = document.RootElement.GetProperty(document.RootElement.GetProperty("op").GetString() == "d" ? "before" : "after");
            await producer.ProduceAsync(topic, new Message<string, string>
            {
                Key = $$"""{"sku_id":"{{row.GetProperty(CatalogTables.Offers.SkuId).GetString()}}","seller_id":"{{row.GetProperty(CatalogTables.Offers.SellerId).GetString()}}"}""",
                Value = value,
                Headers = new Headers { { "id", Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()) } },
            });
        }
    }
}
