extern alias CatalogApi;

using AspireShop.Catalog.Contracts;
using AspireShop.TestKit;
using CatalogApi::AspireShop.Catalog.API.Extensions;
using Npgsql;

namespace AspireShop.Inventory.Tests;

/// <summary>
/// Catalog's CDC rows as Inventory reads them: Catalog's own migration, rows changed by the published column names, the
/// real CdcRelay's change events, Inventory's real consumer. A renamed column fails here, not in production.
/// </summary>
public sealed class CatalogContractTests : IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure = new();

    public Task InitializeAsync() => _infrastructure.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AnOfferWrittenToCatalogsMigratedSchemaGivesItsSkuAStockRow()
    {
        var catalogDb = await _infrastructure.CreateDatabaseAsync("catalog_contract");
        Assert.Equal(0, await CatalogCommands.RunAsync([CatalogCommands.Migrate, $"--ConnectionStrings:catalogdb={catalogDb}", "--Logging:LogLevel:Default=None"]));
        var prefix = $"contract{Guid.NewGuid():N}"[..20];
        var topic = CatalogTables.Topic(CatalogTables.Offers.Table, prefix);
        // One partition: the offers' events keep their commit order, so the last one arriving means all did.
        await _infrastructure.CreateNamedTopicAsync(topic, partitions: 1);
        await using var relay = await CatalogRelay.StartAsync(prefix, catalogDb, _infrastructure.KafkaBootstrapServers);
        await using var app = await InventoryApp.StartAsync(_infrastructure, new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Messaging:Consumers:inventory.offer-stock:Topics:0"] = topic,
            ["Messaging:Consumers:inventory.offer-stock:GroupId"] = $"inventory.offer-stock.{prefix}",
            ["Inventory:Demo:InitialStock"] = "25",
        });
        await using var catalog = NpgsqlDataSource.Create(catalogDb);
        var (skuId, sellerId) = (Guid.NewGuid(), Guid.NewGuid());

        await CatalogRows.InsertAsync(catalog, Guid.NewGuid(), skuId, sellerId, "Contract jacket", 19.90m);
        await CatalogRows.SetPriceAsync(catalog, skuId, sellerId, 24.50m);
        // Behind the update in the one partition: once its row exists, the update was handled too.
        var (nextSku, nextSeller) = (Guid.NewGuid(), Guid.NewGuid());
        await CatalogRows.InsertAsync(catalog, Guid.NewGuid(), nextSku, nextSeller, "Contract boots", 49m);

        await Poll.UntilAsync(() => app.StockAsync(nextSku, nextSeller), stock => stock is not null, TimeSpan.FromSeconds(30), _ => "no stock row for the second offer");
        var created = (await app.StockAsync(skuId, sellerId))!.Value;
        Assert.Equal((25, 25, 1L), (created.OnHand, created.Available, created.Version));
    }
}
