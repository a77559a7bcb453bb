using System.Diagnostics.Metrics;

namespace AspireShop.ServiceDefaults.Workers;

/// <summary>
/// One set of instruments for every background worker (meter <c>AspireShop.Workers</c>, tagged by worker), so the
/// dashboard shows each worker's throughput, failures and lag the same way.
/// </summary>
public static class WorkerTelemetry
{
    public const string MeterName = "AspireShop.Workers";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Items = Meter.CreateCounter<long>("aspireshop.worker.items", description: "Items a worker's rounds took (claimed, leased or swept)");
    private static readonly Counter<long> FailedRounds = Meter.CreateCounter<long>("aspireshop.worker.rounds.failed", description: "Rounds that failed and were retried at the next tick");
    private static readonly Histogram<double> RoundDuration = Meter.CreateHistogram<double>("aspireshop.worker.round.duration", unit: "s", description: "How long a worker's round took");
    private static readonly Histogram<double> Lags = Meter.CreateHistogram<double>("aspireshop.worker.lag", unit: "s", description: "How long past its due time an item waited for its worker");

    public static void Round(string worker, int items, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("worker", worker);
        Items.Add(items, tag);
        RoundDuration.Record(duration.TotalSeconds, tag);
    }

    public static void RoundFailed(string worker) => FailedRounds.Add(1, new KeyValuePair<string, object?>("worker", worker));

    public static void Lag(string worker, TimeSpan lag) => Lags.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("worker", worker));
}
