using StackExchange.Redis;

namespace AspireShop.Catalog.API.Services;

/// <summary>Per-offer availability as the product page shows it.</summary>
public sealed record OfferAvailability(string Status, int? Available)
{
    public static readonly OfferAvailability Unknown = new("unknown", null);

    public static OfferAvailability From(StockLevel level) =>
        level.Available > 0 ? new("in_stock", level.Available) : new("out_of_stock", Math.Max(0, level.Available));
}

/// <summary>
/// Redis first (one round trip for all offers); Inventory only for offers Redis has no entry for. Never throws for
/// Redis or Inventory failures: what cannot be known is <see cref="OfferAvailability.Unknown"/>.
/// </summary>
public sealed partial class AvailabilityReader(AvailabilityStore store, InventoryClient inventory, ILogger<AvailabilityReader> logger)
{
    public async Task<IReadOnlyDictionary<OfferKey, OfferAvailability>> ReadAsync(IReadOnlyList<OfferKey> offers, CancellationToken cancellationToken)
    {
        if (offers.Count == 0)
        {
            return new Dictionary<OfferKey, OfferAvailability>();
        }

        var known = await TryReadMirrorAsync(offers);
        var missing = offers.Where(o => known?.ContainsKey(o) != true).Distinct().ToList();
        var fetched = await Task.WhenAll(missing.Select(async offer => (Offer: offer, Level: await inventory.TryGetAvailabilityAsync(offer, cancellationToken))));
        if (known is not null)
        {
            await TryRememberAsync(fetched.Where(f => f.Level is not null).Select(f => (f.Offer, f.Level!.Value)));
        }

        var levels = known ?? [];
        foreach (var (offer, level) in fetched)
        {
            if (level is { } value)
            {
                levels[offer] = value;
            }
        }

        return offers.Distinct().ToDictionary(o => o, o => levels.TryGetValue(o, out var level) ? OfferAvailability.From(level) : OfferAvailability.Unknown);
    }

    private async Task<Dictionary<OfferKey, StockLevel>?> TryReadMirrorAsync(IReadOnlyList<OfferKey> offers)
    {
        try
        {
            return await store.ReadAsync(offers);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            LogRedisUnavailable(ex.Message);
            return null;
        }
    }

    // Inventory's answers go into the mirror under the same version rule as its events, so later pages skip the call.
    private async Task TryRememberAsync(IEnumerable<(OfferKey Offer, StockLevel Level)> answers)
    {
        try
        {
            await Task.WhenAll(answers.Select(a => store.ApplyAsync(a.Offer, a.Level)));
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            LogRedisUnavailable(ex.Message);
        }
    }

    // Debug: during an outage this fires on every page; the Redis health check is where the outage shows.
    [LoggerMessage(LogLevel.Debug, "Availability mirror in Redis unavailable; falling back: {Reason}")]
    private partial void LogRedisUnavailable(string reason);
}
