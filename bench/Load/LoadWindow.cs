using System.Diagnostics;

namespace AspireShop.Bench.Load;

/// <summary>The measured part of a load in Stopwatch timestamps; warm-up is everything before <see cref="From"/>.</summary>
public sealed record LoadWindow(long Started, long From, long Until)
{
    public static LoadWindow StartingNow(LoadOptions options)
    {
        var started = Stopwatch.GetTimestamp();
        var from = started + ToTicks(options.Warmup);
        return new LoadWindow(started, from, from + ToTicks(options.Duration));
    }

    public bool Contains(long timestamp) => timestamp >= From && timestamp <= Until;

    public static double ToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
