using System.Text.Json;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Search.API.Data;
using AspireShop.Search.API.Extensions;
using AspireShop.Search.API.Indexing;
using Microsoft.Extensions.Options;

namespace AspireShop.Search.API.Events;

/// <summary>
/// Mirrors the catalog's change events (products, skus, offers) and rewrites the affected products' documents.
/// No inbox: every mirror row keeps the version it was written at, so a redelivered or reordered event is refused by
/// the version check itself (which also covers the same change arriving with a different message, e.g. after a
/// Debezium re-snapshot, where an inbox keyed by message would not help), and a stale event still re-sends the current
/// documents, which the index ignores unless it lost them.
/// </summary>
public sealed class CatalogChangeHandler(MirrorStore mirror, DocumentIndexer indexer, SearchMetrics metrics, IOptions<SearchOptions> options)
    : IMessageHandler
{
    public async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (message.Value is null)
        {
            // The tombstone Debezium sends after a delete, for log compaction; the delete event itself carried the change.
            return;
        }

        var change = ChangeEvent.Parse(message.Value);
        if (ToMirrorChange(message.Topic, change) is not { } mirrorChange)
        {
            return;
        }

        var result = await mirror.ApplyAsync(mirrorChange, cancellationToken);
        if (!result.Applied)
        {
            metrics.StaleSkipped("mirror");
        }

        var writes = result.Applied ? [.. result.Writes.Select(w => w with { SourceTimestampMs = change.SourceTimestampMs })] : result.Writes;
        await indexer.WriteAsync(writes, cancellationToken);
    }

    private MirrorChange? ToMirrorChange(string topic, ChangeEvent change)
    {
        if (change.Op is not ("c" or "u" or "d" or "r"))
        {
            // Truncate ("t") and message ("m") events carry no row; a rebuild is the way to resynchronise after a truncate.
            return null;
        }

        var row = change.Row;
        var topics = options.Value;
        if (topic == topics.ProductsTopic)
        {
            return new ProductChange(
                new ProductRow(
                    ChangeEvent.RequiredUuid(row, "id"),
                    ChangeEvent.Uuid(row, "seller_id"),
                    ChangeEvent.Text(row, "title"),
                    ChangeEvent.LargeText(row, "description"),
                    ChangeEvent.Text(row, "brand"),
                    ChangeEvent.Text(row, "category"),
                    ChangeEvent.LargeText(row, "images"),
                    ChangeEvent.LargeText(row, "attributes"),
                    ChangeEvent.Timestamp(row, "created_at"),
                    ChangeEvent.Timestamp(row, "updated_at")),
                change.IsDelete,
                change.Version);
        }

        if (topic == topics.SkusTopic)
        {
            return new SkuChange(
                new SkuRow(
                    ChangeEvent.RequiredUuid(row, "id"),
                    ChangeEvent.Uuid(row, "product_id"),
                    ChangeEvent.Text(row, "code"),
                    ChangeEvent.LargeText(row, "attributes")),
                change.Before is { } before && !change.IsDelete ? ChangeEvent.Uuid(before, "product_id") : null,
                change.IsDelete,
                change.Version);
        }

        if (topic == topics.OffersTopic)
        {
            return new OfferChange(
                new OfferRow(
                    ChangeEvent.RequiredUuid(row, "sku_id"),
                    ChangeEvent.RequiredUuid(row, "seller_id"),
                    ChangeEvent.Numeric(row, "price"),
                    ChangeEvent.Text(row, "currency"),
                    ChangeEvent.Timestamp(row, "updated_at")),
                change.IsDelete,
                change.Version);
        }

        throw new JsonException($"Topic '{topic}' is not one of the catalog topics this handler reads.");
    }
}
