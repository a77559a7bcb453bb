using System.Collections.Concurrent;
using System.Threading.Channels;
using AspireShop.Search.API.Data;

namespace AspireShop.Search.API.Indexing;

/// <summary>
/// Rewrites the documents of products whose mirror rows changed, apart from the consumers: the mirror commits, the
/// product is marked here, and one loop loads and indexes marked products a batch at a time. A product changed again
/// while it waits is written once, so a bulk load (a product's row, its SKUs, offers and availability arriving on four
/// topics) costs about one document write per product instead of one per event, while a single edit on a quiet index
/// is written at once. Marks live in memory: after a crash the start-up check (<see cref="IndexStartup"/>) finds the
/// documents whose index version is behind the mirror's and rewrites them.
/// </summary>
public sealed partial class DocumentRefresher(MirrorStore mirror, DocumentIndexer indexer, ILogger<DocumentRefresher> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private const long NoSourceTime = long.MaxValue;

    // Product → earliest source time of its unwritten changes, for the freshness metric.
    private readonly ConcurrentDictionary<Guid, long> _marked = new();
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Enqueue(IReadOnlyDictionary<Guid, long?> products)
    {
        foreach (var (id, sourceMs) in products)
        {
            var at = sourceMs ?? NoSourceTime;
            _marked.AddOrUpdate(id, at, (_, earlier) => Math.Min(earlier, at));
        }

        if (products.Count > 0)
        {
            _doorbell.Writer.TryWrite(true);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (await _doorbell.Reader.WaitToReadAsync(stoppingToken) && _doorbell.Reader.TryRead(out _))
        {
            while (!_marked.IsEmpty)
            {
                var batch = new Dictionary<Guid, long>(BatchSize);
                foreach (var id in _marked.Keys)
                {
                    if (batch.Count == BatchSize)
                    {
                        break;
                    }

                    if (_marked.TryRemove(id, out var sourceMs))
                    {
                        batch[id] = sourceMs;
                    }
                }

                try
                {
                    // Loaded after the marks were taken: a change committed meanwhile is either in this read or marks again.
                    var writes = await mirror.LoadAsync(batch.Keys, stoppingToken);
                    await indexer.WriteAsync(
                        [.. writes.Select(w => batch[w.Id] is var sourceMs && sourceMs != NoSourceTime ? w with { SourceTimestampMs = sourceMs } : w)],
                        stoppingToken);
                    failures = 0;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Marked again and retried with capped, jittered backoff: a document the mirror moved is never skipped.
                    Enqueue(batch.ToDictionary(p => p.Key, p => p.Value == NoSourceTime ? null : (long?)p.Value));
                    failures++;
                    LogRefreshFailed(ex, batch.Count, failures);
                    var ceiling = Math.Min(30_000, 100 * Math.Pow(2, Math.Min(failures, 10)));
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling), stoppingToken);
                }
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Rewriting {Count} search documents failed (attempt {Attempt}); they stay marked and are retried")]
    private partial void LogRefreshFailed(Exception error, int count, int attempt);
}
