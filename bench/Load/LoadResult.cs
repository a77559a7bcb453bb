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
}
