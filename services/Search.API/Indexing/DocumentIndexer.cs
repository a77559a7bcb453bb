using AspireShop.Search.API.Domain;

namespace AspireShop.Search.API.Indexing;

/// <summary>Writes recomputed documents to the index and records what happened.</summary>
public sealed class DocumentIndexer(ISearchIndex index, SearchMetrics metrics, IndexBackend backend)
{
    public async Task WriteAsync(IReadOnlyList<IndexWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return;
        }

        var landed = await index.WriteAsync(writes, cancellationToken);
        for (var i = 0; i < writes.Count; i++)
        {
            if (!landed[i])
            {
                metrics.StaleSkipped("index");
                continue;
            }

            metrics.Indexed(backend.Name);
            if (writes[i].SourceTimestampMs is { } sourceMs)
            {
                metrics.Fresh(sourceMs);
            }
        }
    }
}

/// <summary>Which backend this instance uses ("lucene" or "elasticsearch"), for metrics and the rebuild answer.</summary>
public sealed record IndexBackend(string Name);
