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
public sealed class AvailabilityProjection(AvailabilityStore store, CatalogMetrics metrics) : IEventHandler<AvailabilityChanged>
{
    public const string ConsumerGroup = "catalog.availability";

    public async Task HandleAsync(AvailabilityChanged change, ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (change.Version < 0)
        {
            throw new PoisonMessageException($"{message.MessageId}: version {change.Version} is negative");
        }

        var applied = await store.ApplyAsync(new OfferKey(change.SkuId, change.SellerId), new StockLevel(change.Available, change.Version));
        metrics.AvailabilityEventHandled(applied);
    }
}
