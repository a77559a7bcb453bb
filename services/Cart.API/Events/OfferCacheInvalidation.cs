using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Cart.API.Services;
using AspireShop.Catalog.Contracts;

namespace AspireShop.Cart.API.Events;

/// <summary>
/// Keeps <see cref="OfferCache"/> fresh from Catalog's change events: an offer row removes its entry, a changed or
/// deleted SKU row every entry of that SKU (its code or attributes changed). A newly created SKU has no entries to remove (an
/// entry is per offer, and each new offer's own event removes a cached "no such offer"), which spares a bulk load its
/// tens of thousands of tag removals (a snapshot read still removes: it may follow missed changes). Idempotent by nature (a removal twice is a removal), so no inbox.
/// </summary>
public sealed class OfferCacheInvalidation(OfferCache offers) : IChangeBatchHandler
{
    public const string ConsumerGroup = "cart.offer-cache";

    public static readonly IReadOnlyList<string> Topics =
    [
        CatalogTables.Topic(CatalogTables.Offers.Table),
        CatalogTables.Topic(CatalogTables.Skus.Table),
    ];

    public async Task HandleBatchAsync(IReadOnlyList<Received<ChangeEvent>> changes, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var tags = new List<string>();
        foreach (var (change, message) in changes)
        {
            var row = change.Row;
            // Debezium names topics <prefix>.<schema>.<table>: the table is the last segment.
            switch (message.Topic[(message.Topic.LastIndexOf('.') + 1)..])
            {
                case CatalogTables.Offers.Table:
                    var (skuId, sellerId) = (ChangeEvent.RequiredUuid(row, CatalogTables.Offers.SkuId), ChangeEvent.RequiredUuid(row, CatalogTables.Offers.SellerId));
                    keys.Add(OfferCache.Key(skuId, sellerId));
                    if (change.Op != "c")
                    {
                        // HybridCache writes Redis after it has answered: a removal can land between the two and the
                        // late write bring the old price back. A tag invalidation also refuses entries created before it.
                        tags.Add(OfferCache.OfferTag(skuId, sellerId));
                    }

                    break;
                case CatalogTables.Skus.Table when change.Op != "c":
                    tags.Add(OfferCache.SkuTag(ChangeEvent.RequiredUuid(row, CatalogTables.Skus.Id)));
                    break;
                case CatalogTables.Skus.Table:
                    break;
                case var table:
                    throw new PoisonMessageException($"No offers are cached from table '{table}'.");
            }
        }

        await offers.RemoveAsync(keys, tags, cancellationToken);
    }
}
