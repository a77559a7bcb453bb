namespace AspireShop.Bench.Load;

/// <summary>Exact percentiles (nearest rank) over every recorded latency, in milliseconds rounded to 0.01.</summary>
public sealed class Percentiles
{
    private readonly long[] _sorted;

    public Percentiles(IEnumerable<IReadOnlyList<long>> latencyTicks)
    {
        _sorted = latencyTicks.SelectMany(ticks => ticks).ToArray();
        Array.Sort(_sorted);
    }

    public double Milliseconds(double percentile)
    {
        if (_sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(percentile * _sorted.Length) - 1;
        return Math.Round(LoadWindow.ToMilliseconds(_sorted[Math.Clamp(rank, 0, _sorted.Length - 1)]), 2);
    }
}
