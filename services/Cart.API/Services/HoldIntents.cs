using System.Text.Json;
using AspireShop.Cart.API.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireShop.Cart.API.Services;

/// <summary>
/// A hold the cart asked Inventory for and has not yet attached to a line or given back. <see cref="IdempotencyKey"/>
/// names a new hold; <see cref="ReservationId"/> the line's hold being resized.
/// </summary>
public sealed record HoldIntent(Guid BuyerId, Guid SkuId, Guid SellerId, string IdempotencyKey, Guid? ReservationId);

/// <summary>
/// The cart's write-ahead record of holds in flight (one Redis sorted set, scored by when the call started): written
/// before Inventory is called and removed once the outcome is settled, so a hold whose reply was lost, or whose cart
/// process died before writing the line, is found by <see cref="HoldReconciler"/> instead of sitting out its TTL.
/// </summary>
public sealed class HoldIntents(IConnectionMultiplexer redis, IOptions<CartOptions> options, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private RedisKey Key => $"{options.Value.RedisPrefix}cart:hold-intents";

    public Task RecordAsync(HoldIntent intent) =>
        redis.GetDatabase().SortedSetAddAsync(Key, Serialize(intent), clock.GetUtcNow().ToUnixTimeMilliseconds());

    public Task SettleAsync(HoldIntent intent) => redis.GetDatabase().SortedSetRemoveAsync(Key, Serialize(intent));

    /// <summary>Intents older than <paramref name="age"/>: their requests are over, whatever happened to them.</summary>
    public async Task<IReadOnlyList<HoldIntent>> OlderThanAsync(TimeSpan age, int limit)
    {
        var before = (clock.GetUtcNow() - age).ToUnixTimeMilliseconds();
        var entries = await redis.GetDatabase().SortedSetRangeByScoreAsync(Key, double.NegativeInfinity, before, take: limit);
        return [.. entries.Select(e => JsonSerializer.Deserialize<HoldIntent>(e.ToString(), Json)!)];
    }

    private static string Serialize(HoldIntent intent) => JsonSerializer.Serialize(intent, Json);
}
