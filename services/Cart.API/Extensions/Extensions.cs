using AspireShop.Cart.API.Events;
using AspireShop.Cart.API.Services;
using AspireShop.Ordering.Contracts;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Cart.API.Extensions;

public static class Extensions
{
    public const string RedisName = "redis";
    public const string KafkaName = "kafka";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddFailFastRedis(RedisName);
        builder.AddDefaultAuthentication();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<CartOptions>().BindConfiguration(CartOptions.Section)
            // Inventory accepts holds of 1 s to 24 h; anything else would fail every add, so refuse to start instead.
            .Validate(o => o.HoldTtl >= TimeSpan.FromSeconds(1) && o.HoldTtl <= TimeSpan.FromHours(24), "Cart:HoldTtl must be between 00:00:01 and 1.00:00:00.")
            .Validate(o => o.IdleExpiry > TimeSpan.Zero, "Cart:IdleExpiry must be positive.")
            .Validate(o => o.HoldReconciler.Interval > TimeSpan.Zero && o.HoldReconciler.BatchSize > 0, "Cart:HoldReconciler needs a positive Interval and BatchSize.")
            .ValidateOnStart();
        builder.Services.AddBadRequestProblems();
        builder.Services.AddDependencyUnavailableProblems();

        builder.Services.AddSingleton<CartStore>();
        builder.Services.AddSingleton<HoldIntents>();
        builder.Services.AddScoped<CartService>();
        builder.Services.AddHostedService<HoldReconciler>();

        builder.AddRedisHybridCache($"{CartOptions.Section}:OfferCache", expiration: new OfferCacheOptions().Expiration, localExpiration: new OfferCacheOptions().LocalExpiration);
        builder.Services.AddSingleton<OfferCache>();
        builder.AddEventHandlers();

        builder.Services.AddHttpClient<CatalogClient>((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<CartOptions>>().Value.CatalogBaseAddress)
            .AddDownstreamResilience(CartOptions.CatalogSection);

        builder.Services.AddHttpClient<InventoryClient>((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<CartOptions>>().Value.InventoryBaseAddress)
            // Inventory only takes holds for a buyer from a service: the cart's own client-credentials token.
            .AddServiceToken()
            .AddDownstreamResilience(CartOptions.InventorySection);
    }

    /// <summary>
    /// When a broker is configured (the AppHost always sets one): Catalog's offer and SKU change events remove cached
    /// offers, and confirmed orders remove the lines they bought. Without one the cache still serves (entries live out
    /// their expiry) and ordered lines stay until the buyer removes them.
    /// </summary>
    private static void AddEventHandlers(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(KafkaName)))
        {
            return;
        }

        builder.AddKafkaClients(KafkaName);
        builder.AddChangeHandler<OfferCacheInvalidation>(OfferCacheInvalidation.ConsumerGroup, OfferCacheInvalidation.Topics);
        builder.AddEventHandler<OrderEvent, OrderConfirmedHandler>(OrderConfirmedHandler.ConsumerGroup, OrderEvent.Topic);
    }
}
