using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Cart.API.Services;
using AspireShop.Catalog.Contracts;

namespace AspireShop.Cart.API.Events;

/// <summary>
/// Keeps <see cref="OfferCache"/> fresh from Catalog's change events: an offer row removes its entry, a SKU row every
/// entry of that SKU (its code or attributes changed). Idempotent by nature (a removal twice is a removal), so no inbox.
/// </summary>
public sealed class OfferCacheInvalidation(OfferCache offers) : IChangeHandler
{
    public const string ConsumerGroup = "cart.offer-cache";

    public static readonly IReadOnlyList<string> Topics =
    [
        CatalogTables.Topic(CatalogTables.Offers.Table),
        CatalogTables.Topic(CatalogTables.Skus.Table),
    ];

    /// <summary>Debezium names topics <c>&lt;prefix&gt;.&lt;schema&gt;.&lt;table&gt;</c>: the table is the last segment.</summary>
    public Task HandleAsync(ChangeEvent change, ReceivedMessage message, CancellationToken cancellationToken)
    {
        var row = change.Row;
        return message.Topic[(message.Topic.LastIndexOf('.') + 1)..] switch
        {
            CatalogTables.Offers.Table => offers.RemoveAsync(
                ChangeEvent.RequiredUuid(row, CatalogTables.Offers.SkuId), ChangeEvent.RequiredUuid(row, CatalogTables.Offers.SellerId), cancellationToken),
            CatalogTables.Skus.Table => offers.RemoveByTagAsync(OfferCache.SkuTag(ChangeEvent.RequiredUuid(row, CatalogTables.Skus.Id)), cancellationToken),
            var table => throw new PoisonMessageException($"No offers are cached from table '{table}'."),
        };
    }
}
