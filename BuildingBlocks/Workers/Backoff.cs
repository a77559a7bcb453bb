namespace AspireShop.BuildingBlocks.Workers;

/// <summary>The retry spacing of every background worker and consumer.</summary>
public static class Backoff
{
    /// <summary>
    /// Exponential backoff with full jitter, capped: the wait before <paramref name="attempt"/> (2 = the first retry) is
    /// uniform in [0, min(max, initial · 2^(attempt−2))], so retries of many workers spread out instead of arriving together.
    /// </summary>
    public static TimeSpan FullJitter(TimeSpan initial, TimeSpan max, int attempt)
    {
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 2)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
