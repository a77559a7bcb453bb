using System.Text.Json;
using AspireShop.Cart.API.Domain;
using AspireShop.Cart.API.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireShop.Cart.API.Services;

/// <summary>A line as read, with the exact stored text a compare-and-set must still find.</summary>
public sealed record StoredLine(CartLine Line, string Raw);

/// <summary>
/// Carts in Redis: one hash per buyer (<c>{prefix}cart:{buyerId}</c>), one field per line, so adds of different lines
/// never touch each other; a change to one line is a compare-and-set on its stored text, so concurrent changes of the
/// same line cannot overwrite each other unseen. Every write pushes the idle expiry out again.
/// </summary>
public sealed class CartStore(IConnectionMultiplexer redis, IOptions<CartOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Sets (or deletes, for an empty value) a field only if it still holds what the caller read ('' = absent).
    private static readonly LuaScript CompareAndSet = LuaScript.Prepare(
        """
        local current = redis.call('HGET', @key, @field)
        if (current or '') ~= @expected then return 0 end
        if @value == '' then redis.call('HDEL', @key, @field) else redis.call('HSET', @key, @field, @value) end
        if redis.call('HLEN', @key) > 0 then redis.call('PEXPIRE', @key, @idleMs) end
        return 1
        """);

    private readonly CartOptions _options = options.Value;

    private IDatabase Database => redis.GetDatabase();

    public RedisKey KeyOf(Guid buyerId) => $"{_options.RedisPrefix}cart:{buyerId:N}";

    public async Task<IReadOnlyList<CartLine>> GetLinesAsync(Guid buyerId)
    {
        var entries = await Database.HashGetAllAsync(KeyOf(buyerId));
        return entries.Select(e => Deserialize(e.Value!)).ToList();
    }

    public async Task<StoredLine?> GetLineAsync(Guid buyerId, Guid skuId, Guid sellerId)
    {
        var raw = await Database.HashGetAsync(KeyOf(buyerId), CartLine.FieldOf(skuId, sellerId));
        return raw.IsNullOrEmpty ? null : new StoredLine(Deserialize(raw!), raw!);
    }

    /// <summary>Writes <paramref name="line"/> (or removes the line when null) if the line is still <paramref name="expected"/>.</summary>
    public async Task<bool> TryReplaceAsync(Guid buyerId, Guid skuId, Guid sellerId, StoredLine? expected, CartLine? line)
    {
        var result = await Database.ScriptEvaluateAsync(CompareAndSet, new
        {
            key = KeyOf(buyerId),
            field = CartLine.FieldOf(skuId, sellerId),
            expected = expected?.Raw ?? "",
            value = line is null ? "" : JsonSerializer.Serialize(line, Json),
            idleMs = (long)_options.IdleExpiry.TotalMilliseconds,
        });
        return (int)result == 1;
    }

    private static CartLine Deserialize(string raw) =>
        JsonSerializer.Deserialize<CartLine>(raw, Json) ?? throw new InvalidOperationException("An empty cart line in Redis.");
}
