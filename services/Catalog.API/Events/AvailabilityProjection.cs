using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Catalog.API.Services;
using AspireShop.Inventory.Contracts;

namespace AspireShop.Catalog.API.Events;

/// <summary>
/// Keeps Redis' availability mirror (<c>availability:{skuId}</c> → <c>{sellerId}</c> = <c>{available}:{version}</c>) up
/// to date from Inventory's events, so a product page reads stock without calling Inventory.
/// </summary>
/// <remarks>
/// No inbox: the write is a compare-and-set on the version, so a redelivered or older event changes nothing (idempotent
/// by construction), and Redis could not share a transaction with an inbox row in Postgres anyway.
/// </remarks>
public sealed class AvailabilityProjection(AvailabilityStore store, CatalogMetrics metrics) : IEventBatchHandler<AvailabilityChanged>
{
    public const string ConsumerGroup = "catalog.availability";

    /// <summary>A backlog (a seeded catalog's stock) goes to Redis in one pipelined round trip per batch.</summary>
    public async Task HandleBatchAsync(IReadOnlyList<Received<AvailabilityChanged>> events, CancellationToken cancellationToken)
    {
        if (events.FirstOrDefault(e => e.Payload.Version < 0) is { Message: not null } negative)
        {
            throw new PoisonMessageException($"{negative.Message.MessageId}: version {negative.Payload.Version} is negative");
        }

        var applied = await store.ApplyAsync([.. events.Select(e => (new OfferKey(e.Payload.SkuId, e.Payload.SellerId), new StockLevel(e.Payload.Available, e.Payload.Version)))]);
        var written = applied.Count(a => a);
        metrics.AvailabilityEventsHandled(written, applied.Length - written);
    }
}
