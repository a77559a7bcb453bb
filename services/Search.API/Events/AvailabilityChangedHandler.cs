using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Inventory.Contracts;
using AspireShop.Search.API.Data;
using AspireShop.Search.API.Indexing;

namespace AspireShop.Search.API.Events;

/// <summary>
/// Keeps the in-stock flag current. Idempotent by Inventory's per-offer version rather than an inbox: a duplicate or an
/// older event loses the version check, which an inbox keyed by event id could not do for reordering.
/// </summary>
public sealed class AvailabilityChangedHandler(MirrorStore mirror, DocumentRefresher documents, SearchMetrics metrics) : IEventBatchHandler<AvailabilityChanged>
{
    public const string ConsumerGroup = "search.availability";

    public async Task HandleBatchAsync(IReadOnlyList<Received<AvailabilityChanged>> events, CancellationToken cancellationToken)
    {
        var result = await mirror.ApplyAsync(
            [.. events.Select(e => e.Payload).Select(changed =>
                new AvailabilityChange(new AvailabilityRow(changed.SkuId, changed.SellerId, changed.Available, changed.Version, changed.OccurredAt.ToUniversalTime()))
                {
                    SourceTimestampMs = changed.OccurredAt.ToUnixTimeMilliseconds(),
                })],
            cancellationToken);
        metrics.StaleSkipped("mirror", result.Stale);
        documents.Enqueue(result.Affected);
    }
}
