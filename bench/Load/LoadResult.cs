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
