using System.Text.Json.Nodes;

namespace AspireShop.Bench.Load;

/// <summary>One measured load: only requests that completed inside the measured window count.</summary>
public sealed record LoadResult(
    long Requests,
    long Errors,
    TimeSpan Duration,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    IReadOnlyDictionary<string, long> ErrorKinds)
{
    /// <summary>Successful requests per second, so a load that fails fast cannot look fast.</summary>
    public double Rps => Duration > TimeSpan.Zero ? (Requests - Errors) / Duration.TotalSeconds : 0;

    /// <summary>Every successful request's latency in Stopwatch ticks, so loads can be <see cref="Combine"/>d exactly.</summary>
    public IReadOnlyList<long> LatencyTicks { get; init; } = [];

    /// <summary>Several measured windows as one (e.g. rounds of an A/B/B/A comparison): summed counts and time, pooled latencies.</summary>
    public static LoadResult Combine(IReadOnlyCollection<LoadResult> parts)
    {
        var percentiles = new Percentiles(parts.Select(part => part.LatencyTicks));
        var errorKinds = parts.SelectMany(part => part.ErrorKinds)
            .GroupBy(pair => pair.Key, pair => pair.Value)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Sum());
        return new LoadResult(
            parts.Sum(part => part.Requests),
            parts.Sum(part => part.Errors),
            TimeSpan.FromTicks(parts.Sum(part => part.Duration.Ticks)),
            percentiles.Milliseconds(0.50),
            percentiles.Milliseconds(0.95),
            percentiles.Milliseconds(0.99),
            errorKinds)
        {
            LatencyTicks = parts.SelectMany(part => part.LatencyTicks).ToArray(),
        };
    }

    /// <summary>The figures of a load that does not head the report, for a scenario's metrics.</summary>
    public JsonObject ToJson() => new()
    {
        ["rps"] = Math.Round(Rps, 1),
        ["p50_ms"] = P50Ms,
        ["p95_ms"] = P95Ms,
        ["p99_ms"] = P99Ms,
        ["requests"] = Requests,
        ["errors"] = Errors,
        ["error_kinds"] = new JsonObject(ErrorKinds.Select(kind => KeyValuePair.Create(kind.Key, (JsonNode?)kind.Value))),
    };

    /// <summary>One line for the console.</summary>
    public string Summary(string label) =>
        $"{label}: {Rps:0.0} rps, p50 {P50Ms:0.00} ms, p95 {P95Ms:0.00} ms, p99 {P99Ms:0.00} ms, {Errors:N0} errors of {Requests:N0} requests";
}
