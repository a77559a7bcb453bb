using System.Diagnostics;
using AspireShop.Search.API.Data;

namespace AspireShop.Search.API.Indexing;

public sealed record RebuildResult(string Backend, long SnapshotLsn, long Products, long Skus, long Offers, long Documents, long Tombstones, double ElapsedMs);

/// <summary>
/// Rebuilds the index from a fresh catalog snapshot: merge the snapshot into the mirror, clear the index, write every
/// document again. The consumers keep running meanwhile; document versions make their writes and the rebuild's
/// commute, and events older than the snapshot lose the version check afterwards.
/// </summary>
public sealed partial class IndexRebuilder(
    CatalogSnapshotReader snapshot, MirrorStore mirror, ISearchIndex index, IndexBackend backend, ILogger<IndexRebuilder> logger)
{
    private const int PageSize = 500;

    private readonly SemaphoreSlim _gate = new(1, 1);

    public bool IsConfigured => snapshot.IsConfigured;

    /// <summary>Null when another rebuild is already running.</summary>
    public async Task<RebuildResult?> TryRebuildAsync(CancellationToken cancellationToken)
    {
        if (!await _gate.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return null;
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            var merged = await snapshot.MergeAsync(cancellationToken);
            await index.ClearAsync(cancellationToken);
            var (documents, tombstones) = await ReindexAllAsync(mirror, index, cancellationToken);
            var result = new RebuildResult(
                backend.Name, merged.Lsn, merged.Products, merged.Skus, merged.Offers, documents, tombstones, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            LogRebuilt(result.Documents, result.Tombstones, result.SnapshotLsn, result.ElapsedMs);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes every product's current document (at its current version) to the index.</summary>
    internal static async Task<(long Documents, long Tombstones)> ReindexAllAsync(MirrorStore mirror, ISearchIndex index, CancellationToken cancellationToken)
    {
        long documents = 0;
        long tombstones = 0;
        await foreach (var page in mirror.ReadVersionsAsync(PageSize, cancellationToken))
        {
            var writes = await mirror.LoadAsync([.. page.Select(p => p.Id)], cancellationToken);
            await index.WriteAsync(writes, cancellationToken);
            documents += writes.Count(w => w.Document is not null);
            tombstones += writes.Count(w => w.Document is null);
        }

        return (documents, tombstones);
    }

    [LoggerMessage(LogLevel.Information, "Search index rebuilt: {Documents} documents, {Tombstones} tombstones from the snapshot at lsn {Lsn} in {ElapsedMs} ms")]
    private partial void LogRebuilt(long documents, long tombstones, long lsn, double elapsedMs);
}
