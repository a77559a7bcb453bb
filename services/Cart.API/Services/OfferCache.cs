using AspireShop.Cart.API.Domain;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.Caching.Hybrid;
using StackExchange.Redis;

namespace AspireShop.Cart.API.Services;

/// <summary>
/// The offers the cart prices lines from, through HybridCache (memory, then Redis, then Catalog): a crowd adding the
/// same offer shares one Catalog call per process, so a sell-out does not become a load test of Catalog.
/// <see cref="Events.OfferCacheInvalidation"/> removes an entry when an offer or SKU change event says it changed (a
/// product's title reaches cached lines when the entry expires); the order is priced from Catalog again at checkout,
/// so a line priced a moment before a change costs nobody money.
/// </summary>
public sealed partial class OfferCache(HybridCache cache, CatalogClient catalog, ILogger<OfferCache> logger)
{
    public static string Key(Guid skuId, Guid sellerId) => $"cart:offer:{skuId:N}:{sellerId:N}";

    public static string SkuTag(Guid skuId) => $"sku:{skuId:N}";

    public static string OfferTag(Guid skuId, Guid sellerId) => $"offer:{skuId:N}:{sellerId:N}";

    /// <summary>The offer, or null when Catalog has none; throws <see cref="DependencyUnavailableException"/>.</summary>
    public async Task<Offer?> GetAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        var cached = await cache.GetOrCreateAsync(
            Key(skuId, sellerId),
            (Sku: skuId, Seller: sellerId, Catalog: catalog),
            // Not the buyer's token: the shared load serves everyone waiting for it.
            static async (state, _) => new CachedOffer(await state.Catalog.GetOfferAsync(state.Sku, state.Seller, CancellationToken.None)),
            tags: [SkuTag(skuId), OfferTag(skuId, sellerId)],
            cancellationToken: cancellationToken);
        return cached.Offer;
    }

    /// <summary>Removes the entries under <paramref name="keys"/> and every entry tagged with one of <paramref name="tags"/>.</summary>
    public async Task RemoveAsync(IReadOnlyCollection<string> keys, IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        try
        {
            if (keys.Count > 0)
            {
                await cache.RemoveAsync(keys, cancellationToken);
            }

            if (tags.Count > 0)
            {
                await cache.RemoveByTagAsync(tags, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Thrown on to the consumer, which retries: an event that changed a price must reach the cache.
            LogRemoveFailed(ex, keys.Count, tags.Count);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not remove {Keys} cached offer(s) and {Tags} SKU tag(s)")]
    private partial void LogRemoveFailed(Exception error, int keys, int tags);

    /// <summary>A cache entry, so "Catalog has no such offer" is cached (and removed) like an offer.</summary>
    public sealed record CachedOffer(Offer? Offer);
}
