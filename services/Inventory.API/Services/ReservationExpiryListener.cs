using System.Threading.Channels;
using AspireShop.Inventory.API.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireShop.Inventory.API.Services;

/// <summary>
/// Listens to Redis' expiry events (<c>__keyevent@db__:expired</c>) for reservation mirrors and releases that hold at
/// once. Only a prompt: the events are late and lossy (docs/platform.md), so <see cref="ReservationSweeper"/> stays the
/// guarantee.
/// </summary>
public sealed partial class ReservationExpiryListener(
    IConnectionMultiplexer redis,
    ReservationMirror mirror,
    IServiceScopeFactory scopes,
    IOptions<InventoryOptions> options,
    ILogger<ReservationExpiryListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Reservations.KeyspaceNotifications)
        {
            return;
        }

        await EnableNotificationsAsync();
        var database = redis.GetDatabase().Database;
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal($"__keyevent@{database}__:expired"));
        stoppingToken.Register(() => queue.Unsubscribe());
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var message = await queue.ReadAsync(stoppingToken);
                if (mirror.ReservationOf(message.Message.ToString()) is not { } id)
                {
                    continue;
                }

                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<Reservations>().ExpireDueAsync(id, 1, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogReleaseFailed(id, ex.Message);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
        }
    }

    /// <summary>Adds E and x to the server's flags, keeping any others; a managed Redis that refuses CONFIG is logged.</summary>
    private async Task EnableNotificationsAsync()
    {
        try
        {
            var db = redis.GetDatabase();
            var current = await db.ExecuteAsync("CONFIG", "GET", "notify-keyspace-events");
            var values = (RedisResult[])current!;
            var flags = values.Length > 1 ? values[1].ToString() : "";
            var wanted = flags;
            foreach (var flag in new[] { 'E', 'x' })
            {
                if (!wanted.Contains(flag, StringComparison.Ordinal) && !(flag == 'x' && wanted.Contains('A', StringComparison.Ordinal)))
                {
                    wanted += flag;
                }
            }

            if (wanted != flags)
            {
                await db.ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", wanted);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogConfigRefused(ex.Message);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not enable Redis keyspace notifications ({Reason}); expired reservations wait for the sweeper")]
    private partial void LogConfigRefused(string reason);

    [LoggerMessage(LogLevel.Warning, "Prompted release of reservation {ReservationId} failed (the sweeper retries): {Reason}")]
    private partial void LogReleaseFailed(Guid reservationId, string reason);
}
