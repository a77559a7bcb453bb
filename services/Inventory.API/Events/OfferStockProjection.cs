using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Catalog.Contracts;
using AspireShop.Inventory.API.Extensions;
using AspireShop.Inventory.API.Services;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireShop.Inventory.API.Events;

/// <summary>
/// Makes Inventory know what Catalog offers: on Catalog's Debezium change events for <c>offers</c> (created, updated
/// or snapshotted) it creates the (sku, seller) stock row with <c>Inventory:Demo:InitialStock</c> on hand if none
/// exists, or marks it offered again; a delete marks it withdrawn (no stock set, no new holds; units on the shelf do
/// not vanish with the price). No inbox: idempotent by the event's log position, so a redelivery changes nothing.
/// </summary>
public sealed partial class OfferStockProjection(NpgsqlDataSource db, IOptions<InventoryOptions> options, ILogger<OfferStockProjection> logger) : IChangeHandler
{
    public const string ConsumerGroup = "inventory.offer-stock";

    public static readonly string Topic = CatalogTables.Topic(CatalogTables.Offers.Table);

    public async Task HandleAsync(ChangeEvent change, ReceivedMessage message, CancellationToken cancellationToken)
    {
        var skuId = ChangeEvent.RequiredUuid(change.Row, CatalogTables.Offers.SkuId);
        var sellerId = ChangeEvent.RequiredUuid(change.Row, CatalogTables.Offers.SellerId);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (change.IsDelete)
        {
            await StockStore.WithdrawnAsync(connection, transaction, skuId, sellerId, change.Version.Lsn, cancellationToken);
        }
        else
        {
            var initialStock = options.Value.Demo.InitialStock;
            if (await StockStore.OfferedAsync(connection, transaction, skuId, sellerId, initialStock, change.Version.Lsn, cancellationToken) is { } row)
            {
                await StockStore.RecordAsync(connection, transaction, row, "set", null, 0, cancellationToken, reason: "offer created");
                LogCreated(skuId, sellerId, initialStock);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "Stock row created for offer {SkuId}/{SellerId} with {OnHand} on hand")]
    private partial void LogCreated(Guid skuId, Guid sellerId, int onHand);
}
