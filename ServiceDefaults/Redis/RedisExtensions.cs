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
}
