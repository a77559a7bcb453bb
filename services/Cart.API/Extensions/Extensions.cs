using AspireShop.Cart.API.Apis;
using AspireShop.Cart.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireShop.Cart.API.Extensions;

public static class Extensions
{
    public const string RedisName = "redis";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient(RedisName, configureOptions: FailFast);
        builder.AddDefaultAuthentication();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<CartOptions>().BindConfiguration(CartOptions.Section)
            // Inventory accepts holds of 1 s to 24 h; anything else would fail every add, so refuse to start instead.
            .Validate(o => o.HoldTtl >= TimeSpan.FromSeconds(1) && o.HoldTtl <= TimeSpan.FromHours(24), "Cart:HoldTtl must be between 00:00:01 and 1.00:00:00.")
            .Validate(o => o.IdleExpiry > TimeSpan.Zero, "Cart:IdleExpiry must be positive.")
            .ValidateOnStart();
        builder.Services.AddBadRequestProblems();
        builder.Services.AddExceptionHandler<DependencyUnavailableProblemHandler>();

        builder.Services.AddSingleton<CartStore>();
        builder.Services.AddScoped<CartService>();

        builder.Services.AddHttpClient<CatalogClient>((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<CartOptions>>().Value.CatalogBaseAddress)
            .UseDownstreamResilience(DownstreamOptions.CatalogSection);

        builder.Services.AddHttpClient<InventoryClient>((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<CartOptions>>().Value.InventoryBaseAddress)
            // Inventory only takes holds for a buyer from a service: the cart's own client-credentials token.
            .AddServiceToken()
            .UseDownstreamResilience(DownstreamOptions.InventorySection);
    }

    /// <summary>
    /// Replaces ServiceDefaults' handler with one tuned for a waiting buyer (short timeouts, few retries, a breaker);
    /// unsafe requests are still retried only with an Idempotency-Key (<see cref="ResiliencePolicy"/>).
    /// </summary>
    private static void UseDownstreamResilience(this IHttpClientBuilder client, string section)
    {
        client.Services.AddOptions<DownstreamOptions>(section).BindConfiguration(section);
        // EXTEXP0001: RemoveAllResilienceHandlers is the documented way to replace ServiceDefaults' handler for one client.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler()
            .Configure((options, services) =>
            {
                var downstream = services.GetRequiredService<IOptionsMonitor<DownstreamOptions>>().Get(section);
                ResiliencePolicy.Configure(options);
                options.AttemptTimeout.Timeout = downstream.AttemptTimeout;
                options.TotalRequestTimeout.Timeout = downstream.TotalTimeout;
                options.Retry.MaxRetryAttempts = downstream.MaxRetryAttempts;
                options.Retry.Delay = downstream.RetryDelay;
                options.CircuitBreaker.FailureRatio = downstream.BreakerFailureRatio;
                options.CircuitBreaker.MinimumThroughput = downstream.BreakerMinimumThroughput;
                options.CircuitBreaker.SamplingDuration = downstream.BreakerSamplingDuration;
                options.CircuitBreaker.BreakDuration = downstream.BreakDuration;
            });
#pragma warning restore EXTEXP0001
    }

    /// <summary>Redis errors surface in milliseconds (no backlog while disconnected), so a buyer gets a 503, not a hang.</summary>
    private static void FailFast(ConfigurationOptions options)
    {
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = 1_000;
        options.ConnectRetry = 1;
        options.SyncTimeout = 1_000;
        options.AsyncTimeout = 1_000;
    }
}
