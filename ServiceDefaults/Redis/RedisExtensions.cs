using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class RedisExtensions
{
    /// <summary>
    /// The shared multiplexer from <c>ConnectionStrings:{connectionName}</c>, failing fast: while Redis is down commands
    /// fail at once (no backlog) and none waits longer than <paramref name="commandTimeout"/> (default 1 s), so callers
    /// degrade or answer 503 instead of hanging. <paramref name="allowAdmin"/> for <c>CONFIG SET</c>.
    /// </summary>
    public static TBuilder AddFailFastRedis<TBuilder>(this TBuilder builder, string connectionName, TimeSpan? commandTimeout = null, bool allowAdmin = false)
        where TBuilder : IHostApplicationBuilder
    {
        var timeout = (int)(commandTimeout ?? TimeSpan.FromSeconds(1)).TotalMilliseconds;
        builder.AddRedisClient(connectionName, configureOptions: options =>
        {
            options.AbortOnConnectFail = false;
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ConnectTimeout = Math.Min(timeout, 2_000);
            options.ConnectRetry = 1;
            options.SyncTimeout = timeout;
            options.AsyncTimeout = timeout;
            options.AllowAdmin = allowAdmin;
        });
        return builder;
    }

    /// <summary>
    /// HybridCache: memory (L1) in front of Redis (L2, on the shared multiplexer of <see cref="AddFailFastRedis"/>), so a
    /// burst of requests for one cold entry costs one load per process. <c>Expiration</c> and <c>LocalExpiration</c> come
    /// from <paramref name="section"/>; the local one is short, because another instance's removal reaches only Redis.
    /// </summary>
    public static TBuilder AddRedisHybridCache<TBuilder>(this TBuilder builder, string section, TimeSpan expiration, TimeSpan localExpiration)
        where TBuilder : IHostApplicationBuilder
    {
        var settings = builder.Configuration.GetSection(section);
        builder.Services.AddStackExchangeRedisCache(_ => { });
        builder.Services.AddOptions<RedisCacheOptions>().Configure<IServiceProvider>((options, services) =>
            options.ConnectionMultiplexerFactory = () => Task.FromResult(services.GetRequiredService<IConnectionMultiplexer>()));
        builder.Services.AddHybridCache(options => options.DefaultEntryOptions = new HybridCacheEntryOptions
        {
            Expiration = settings.GetValue("Expiration", expiration),
            LocalCacheExpiration = settings.GetValue("LocalExpiration", localExpiration),
        });
        return builder;
    }
}
