using System.Text.Json;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Catalog.Contracts;
using AspireShop.Search.API.Data;
using AspireShop.Search.API.Indexing;

namespace AspireShop.Search.API.Events;

/// <summary>
/// Mirrors the catalog's change events (products, skus, offers) and has the affected products' documents rewritten.
/// No inbox: every mirror row keeps the version it was written at, so a redelivered or reordered event is refused by
/// the version check itself (which also covers the same change arriving with a different message, e.g. after a
/// Debezium re-snapshot, where an inbox keyed by message would not help), and a stale event still re-sends the current
/// documents, which the index ignores unless it lost them.
/// </summary>
public sealed class CatalogChangeHandler(MirrorStore mirror, DocumentRefresher documents, SearchMetrics metrics) : IChangeBatchHandler
{
    public const string ConsumerGroup = "search.catalog";

    public static readonly IReadOnlyList<string> Topics =
    [
        CatalogTables.Topic(CatalogTables.Products.Table),
        CatalogTables.Topic(CatalogTables.Skus.Table),
        CatalogTables.Topic(CatalogTables.Offers.Table),
    ];

    /// <summary>A backlog (the seed's tens of thousands of rows) costs one mirror transaction per batch.</summary>
    public async Task HandleBatchAsync(IReadOnlyList<Received<ChangeEvent>> changes, CancellationToken cancellationToken)
    {
        var result = await mirror.ApplyAsync(
            [.. changes.Select(c => ToMirrorChange(c.Message.Topic, c.Payload) with { SourceTimestampMs = c.Payload.SourceTimestampMs })],
            cancellationToken);
        metrics.StaleSkipped("mirror", result.Stale);
        documents.Enqueue(result.Affected);
    }

    /// <summary>Debezium names topics <c>&lt;prefix&gt;.&lt;schema&gt;.&lt;table&gt;</c>: the table is the last segment.</summary>
    private static MirrorChange ToMirrorChange(string topic, ChangeEvent change)
    {
        var row = change.Row;
        switch (topic[(topic.LastIndexOf('.') + 1)..])
        {
            case CatalogTables.Products.Table:
                return new ProductChange(
                    new ProductRow(
                        ChangeEvent.RequiredUuid(row, CatalogTables.Products.Id),
                        ChangeEvent.Uuid(row, CatalogTables.Products.SellerId),
                        ChangeEvent.Text(row, CatalogTables.Products.Title),
                        ChangeEvent.LargeText(row, CatalogTables.Products.Description),
                        ChangeEvent.Text(row, CatalogTables.Products.Brand),
                        ChangeEvent.Text(row, CatalogTables.Products.Category),
                        ChangeEvent.LargeText(row, CatalogTables.Products.Images),
                        ChangeEvent.LargeText(row, CatalogTables.Products.Attributes),
                        ChangeEvent.Timestamp(row, CatalogTables.Products.CreatedAt),
                        ChangeEvent.Timestamp(row, CatalogTables.Products.UpdatedAt)),
                    change.IsDelete,
                    change.Version);
            case CatalogTables.Skus.Table:
                return new SkuChange(
                    new SkuRow(
                        ChangeEvent.RequiredUuid(row, CatalogTables.Skus.Id),
                        ChangeEvent.Uuid(row, CatalogTables.Skus.ProductId),
                        ChangeEvent.Text(row, CatalogTables.Skus.Code),
                        ChangeEvent.LargeText(row, CatalogTables.Skus.Attributes)),
                    change.Before is { } before && !change.IsDelete ? ChangeEvent.Uuid(before, CatalogTables.Skus.ProductId) : null,
                    change.IsDelete,
                    change.Version);
            case CatalogTables.Offers.Table:
                return new OfferChange(
                    new OfferRow(
                        ChangeEvent.RequiredUuid(row, CatalogTables.Offers.SkuId),
                        ChangeEvent.RequiredUuid(row, CatalogTables.Offers.SellerId),
                        ChangeEvent.Numeric(row, CatalogTables.Offers.Price),
                        ChangeEvent.Text(row, CatalogTables.Offers.Currency),
                        ChangeEvent.Timestamp(row, CatalogTables.Offers.UpdatedAt)),
                    change.IsDelete,
                    change.Version);
            default:
                throw new JsonException($"Topic '{topic}' is not one of the catalog tables this handler reads.");
        }
    }
}
