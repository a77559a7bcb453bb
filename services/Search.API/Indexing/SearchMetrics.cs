using System.Diagnostics.Metrics;

namespace AspireShop.Search.API.Indexing;

public sealed class SearchMetrics
{
    public const string MeterName = "AspireShop.Search";

    private readonly Counter<long> _indexed;
    private readonly Counter<long> _stale;
    private readonly Histogram<double> _queryDuration;
    private readonly Histogram<double> _freshness;

    public SearchMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _indexed = meter.CreateCounter<long>("aspireshop.search.documents_indexed", description: "Documents and tombstones written to the index");
        _stale = meter.CreateCounter<long>(
            "aspireshop.search.stale_writes_skipped",
            description: "Changes (stage=mirror) and index writes (stage=index) skipped because something newer was already there");
        _queryDuration = meter.CreateHistogram<double>("aspireshop.search.query.duration", "ms", "Search request time inside the index");
        _freshness = meter.CreateHistogram<double>(
            "aspireshop.search.freshness", "ms", "From the source commit (source.ts_ms, occurredAt) to the index write");
    }

    public void Indexed(string backend) => _indexed.Add(1, new KeyValuePair<string, object?>("backend", backend));

    public void StaleSkipped(string stage, int count = 1)
    {
        if (count > 0)
        {
            _stale.Add(count, new KeyValuePair<string, object?>("stage", stage));
        }
    }

    public void QueryTook(TimeSpan elapsed, string backend) =>
        _queryDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("backend", backend));

    public void Fresh(long sourceTimestampMs) =>
        _freshness.Record(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - sourceTimestampMs));
}
