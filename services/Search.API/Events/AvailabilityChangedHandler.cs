using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Inventory.Contracts;
using AspireShop.Search.API.Data;
using AspireShop.Search.API.Indexing;

namespace AspireShop.Search.API.Events;

/// <summary>
/// Keeps the in-stock flag current. Idempotent by Inventory's per-offer version rather than an inbox: a duplicate or an
/// older event loses the version check, which an inbox keyed by event id could not do for reordering.
/// </summary>
public sealed class AvailabilityChangedHandler(MirrorStore mirror, DocumentIndexer indexer, SearchMetrics metrics) : IEventHandler<AvailabilityChanged>
{
    public const string ConsumerGroup = "search.availability";

    public async Task HandleAsync(AvailabilityChanged changed, ReceivedMessage message, CancellationToken cancellationToken)
    {
        var result = await mirror.ApplyAsync(
            new AvailabilityChange(new AvailabilityRow(changed.SkuId, changed.SellerId, changed.Available, changed.Version, changed.OccurredAt.ToUniversalTime())),
            cancellationToken);
        if (!result.Applied)
        {
            metrics.StaleSkipped("mirror");
        }

        var occurredMs = changed.OccurredAt.ToUnixTimeMilliseconds();
        await indexer.WriteAsync(result.Applied ? [.. result.Writes.Select(w => w with { SourceTimestampMs = occurredMs })] : result.Writes, cancellationToken);
    }
}
