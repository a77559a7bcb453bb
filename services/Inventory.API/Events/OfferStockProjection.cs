using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Catalog.Contracts;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Extensions;
using AspireShop.Inventory.API.Services;
using Microsoft.Extensions.Options;

namespace AspireShop.Inventory.API.Events;

/// <summary>
/// Makes Inventory know what Catalog offers: on Catalog's Debezium change events for <c>offers</c> (created, updated
/// or snapshotted) it creates the (sku, seller) stock row with <c>Inventory:Demo:InitialStock</c> on hand if none
/// exists, or marks it offered again; a delete marks it withdrawn (no stock set, no new holds; units on the shelf do
/// not vanish with the price). No inbox: idempotent by the event's log position, so a redelivery changes nothing.
/// </summary>
public sealed partial class OfferStockProjection(InventoryDatabase db, IOptions<InventoryOptions> options, ILogger<OfferStockProjection> logger) : IChangeBatchHandler
{
    public const string ConsumerGroup = "inventory.offer-stock";

    public static readonly string Topic = CatalogTables.Topic(CatalogTables.Offers.Table);

    /// <summary>A seeded catalog's tens of thousands of offers cost a transaction per batch, not per offer.</summary>
    public async Task HandleBatchAsync(IReadOnlyList<Received<ChangeEvent>> changes, CancellationToken cancellationToken)
    {
        var offers = changes
            .Select(c => (ChangeEvent.RequiredUuid(c.Payload.Row, CatalogTables.Offers.SkuId), ChangeEvent.RequiredUuid(c.Payload.Row, CatalogTables.Offers.SellerId),
                c.Payload.IsDelete, c.Payload.Version.Lsn))
            .ToList();
        var initialStock = options.Value.Demo.InitialStock;
        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = await StockStore.ApplyOfferChangesAsync(connection, transaction, offers, initialStock, cancellationToken);
        await StockStore.RecordAsync(connection, transaction, [.. created.Select(row => new Movement(row, "set", null, 0, Reason: "offer created"))], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogCreated(created.Count, changes.Count, initialStock);
    }

    [LoggerMessage(LogLevel.Debug, "Stock rows created for {Created} of {Offers} offer changes with {OnHand} on hand each")]
    private partial void LogCreated(int created, int offers, int onHand);
}
