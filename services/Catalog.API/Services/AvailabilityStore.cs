using System.Globalization;
using StackExchange.Redis;

namespace AspireShop.Catalog.API.Services;

/// <summary>One seller's offer of one SKU: the unit availability is tracked for.</summary>
public readonly record struct OfferKey(Guid SkuId, Guid SellerId);

/// <summary>Units available, at the version Inventory gave them.</summary>
public readonly record struct StockLevel(int Available, long Version);

/// <summary>
/// The Redis mirror of Inventory's availability: hash <c>availability:{skuId}</c>, field <c>{sellerId}</c>, value
/// <c>{available}:{version}</c>. Redis errors surface to the caller, which decides how to degrade.
/// </summary>
public sealed class AvailabilityStore(IConnectionMultiplexer redis)
{
    // Versions compare as decimal strings (longer is newer, then lexicographic): exact for any long, unlike Lua's doubles.
    private const string ApplyIfNewerScript = """
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current then
          local stored = string.match(current, ':(%d+)$')
          if stored and (#stored > #ARGV[3] or (#stored == #ARGV[3] and stored >= ARGV[3])) then
            return 0
          end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. ARGV[3])
        return 1
        """;

    public static RedisKey Key(Guid skuId) => $"availability:{skuId}";

    public static RedisValue Field(Guid sellerId) => sellerId.ToString();

    /// <summary>Stores the level unless a newer or equal version is already there; true when it was written.</summary>
    public async Task<bool> ApplyAsync(OfferKey offer, StockLevel level) => (await ApplyAsync([(offer, level)]))[0];

    /// <summary>The same for many levels in one pipelined round trip, applied in order; for each, whether it was written.</summary>
    public async Task<bool[]> ApplyAsync(IReadOnlyList<(OfferKey Offer, StockLevel Level)> levels)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var writes = levels.Select(l =>
        {
            ArgumentOutOfRangeException.ThrowIfNegative(l.Level.Version);
            return batch.ScriptEvaluateAsync(
                ApplyIfNewerScript,
                [Key(l.Offer.SkuId)],
                [Field(l.Offer.SellerId), l.Level.Available.ToString(CultureInfo.InvariantCulture), l.Level.Version.ToString(CultureInfo.InvariantCulture)]);
        }).ToList();
        batch.Execute();
        var results = await Task.WhenAll(writes);
        return [.. results.Select(r => (long)r == 1)];
    }

    /// <summary>Every known level of these offers, in one pipelined round trip (one HMGET per SKU).</summary>
    public async Task<Dictionary<OfferKey, StockLevel>> ReadAsync(IReadOnlyCollection<OfferKey> offers)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var reads = offers
            .GroupBy(o => o.SkuId)
            .Select(sku =>
            {
                var sellers = sku.Select(o => o.SellerId).Distinct().ToArray();
                return (SkuId: sku.Key, Sellers: sellers, Values: batch.HashGetAsync(Key(sku.Key), sellers.Select(Field).ToArray()));
            })
            .ToList();
        batch.Execute();
        await Task.WhenAll(reads.Select(r => r.Values));

        var levels = new Dictionary<OfferKey, StockLevel>();
        foreach (var (skuId, sellers, values) in reads)
        {
            var stored = await values;
            for (var i = 0; i < sellers.Length; i++)
            {
                if (TryParse(stored[i], out var level))
                {
                    levels[new OfferKey(skuId, sellers[i])] = level;
                }
            }
        }

        return levels;
    }

    private static bool TryParse(RedisValue value, out StockLevel level)
    {
        level = default;
        var text = value.HasValue ? (string?)value : null;
        var separator = text?.LastIndexOf(':') ?? -1;
        if (text is null || separator < 0
            || !int.TryParse(text.AsSpan(0, separator), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var available)
            || !long.TryParse(text.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }

        level = new StockLevel(available, version);
        return true;
    }
}
