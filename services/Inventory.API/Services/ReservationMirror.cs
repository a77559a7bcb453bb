using StackExchange.Redis;

namespace AspireShop.Inventory.API.Services;

/// <summary>
/// A Redis key per active reservation that expires with it, only so Redis' expiry event can prompt a fast release.
/// Best effort: Postgres is the truth and the sweeper releases whatever this misses.
/// </summary>
public sealed partial class ReservationMirror(IConnectionMultiplexer redis, RedisKeys keys, ILogger<ReservationMirror> logger)
{
    // Fire a little after the row's expiry so the prompted release finds it due.
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(50);

    public async Task SetAsync(Guid id, DateTimeOffset expiresAt)
    {
        var ttl = expiresAt - DateTimeOffset.UtcNow + Margin;
        try
        {
            await redis.GetDatabase().StringSetAsync(keys.ReservationMirror(id), "1", ttl > TimeSpan.Zero ? ttl : Margin);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogMirrorFailed(id, ex.Message);
        }
    }

    public async Task RemoveAsync(Guid id)
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(keys.ReservationMirror(id));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogMirrorFailed(id, ex.Message);
        }
    }

    /// <summary>The reservation a mirror key names, or null for any other key.</summary>
    public Guid? ReservationOf(string key) =>
        key.StartsWith(keys.ReservationMirrorPrefix, StringComparison.Ordinal) && Guid.TryParse(key.AsSpan(keys.ReservationMirrorPrefix.Length), out var id) ? id : null;

    [LoggerMessage(LogLevel.Warning, "Redis mirror of reservation {ReservationId} not updated (the sweeper still releases it): {Reason}")]
    private partial void LogMirrorFailed(Guid reservationId, string reason);
}
