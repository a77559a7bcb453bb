using AspireShop.Cart.API.Domain;
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

    /// <summary>The offer, or null when Catalog has none; throws <see cref="DependencyUnavailableException"/>.</summary>
    public async Task<Offer?> GetAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        var cached = await cache.GetOrCreateAsync(
            Key(skuId, sellerId),
            (Sku: skuId, Seller: sellerId, Catalog: catalog),
            // Not the buyer's token: the shared load serves everyone waiting for it.
            static async (state, _) => new CachedOffer(await state.Catalog.GetOfferAsync(state.Sku, state.Seller, CancellationToken.None)),
            tags: [SkuTag(skuId)],
            cancellationToken: cancellationToken);
        return cached.Offer;
    }

    public Task RemoveAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken) =>
        TryAsync(() => cache.RemoveAsync(Key(skuId, sellerId), cancellationToken), skuId);

    public Task RemoveByTagAsync(string tag, CancellationToken cancellationToken) =>
        TryAsync(() => cache.RemoveByTagAsync(tag, cancellationToken), Guid.Empty);

    private async Task TryAsync(Func<ValueTask> remove, Guid skuId)
    {
        try
        {
            await remove();
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Thrown on to the consumer, which retries: an event that changed a price must reach the cache.
            LogRemoveFailed(ex, skuId);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not remove cached offer(s) of SKU {SkuId}")]
    private partial void LogRemoveFailed(Exception error, Guid skuId);

    /// <summary>A cache entry, so "Catalog has no such offer" is cached (and removed) like an offer.</summary>
    public sealed record CachedOffer(Offer? Offer);
}
