using AspireShop.Catalog.API.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using StackExchange.Redis;

namespace AspireShop.Catalog.API.Services;

/// <summary>
/// Product documents through HybridCache (memory, then Redis, then Postgres): concurrent requests for a cold product
/// share one database load per process; every write removes the entry.
/// </summary>
public sealed partial class ProductDocuments(HybridCache cache, IServiceScopeFactory scopes, CatalogMetrics metrics, ILogger<ProductDocuments> logger)
{
    public static string Key(Guid id) => $"catalog:product:{id:N}";

    public async Task<ProductDocument?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var cached = await cache.GetOrCreateAsync(
            Key(id),
            (Id: id, Documents: this),
            static async (state, token) => new CachedProduct(await state.Documents.LoadAsync(state.Id, token)),
            cancellationToken: cancellationToken);
        return cached.Product;
    }

    /// <summary>Reads the product from the database, bypassing the cache.</summary>
    public static async Task<ProductDocument?> LoadAsync(CatalogContext context, Guid id, CancellationToken cancellationToken)
    {
        var product = await context.Products
            .AsNoTracking()
            .Include(p => p.Skus).ThenInclude(s => s.Offers)
            .AsSplitQuery()
            .FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        return product is null ? null : ProductDocument.From(product);
    }

    public async Task InvalidateAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            await cache.RemoveAsync(Key(id), cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // The write is committed; Redis' copy expires on its own (Catalog:ProductCache:Expiration).
            LogInvalidationFailed(ex, id);
        }
    }

    // The shared load runs in its own scope: it may outlive the request that started it, if that one is cancelled.
    private async Task<ProductDocument?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        metrics.ProductLoaded();
        await using var scope = scopes.CreateAsyncScope();
        return await LoadAsync(scope.ServiceProvider.GetRequiredService<CatalogContext>(), id, cancellationToken);
    }

    [LoggerMessage(LogLevel.Warning, "Could not remove product {ProductId} from the distributed cache")]
    private partial void LogInvalidationFailed(Exception error, Guid productId);
}
