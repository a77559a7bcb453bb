using AspireShop.Search.API.Domain;

namespace AspireShop.Search.API.Indexing;

/// <summary>
/// A product index with external versions: a write lands only if its version is higher than the one stored for that
/// id (tombstones included), so writes may arrive late, twice or out of order. Lucene (native) and Elasticsearch
/// (containers) implement it with the same query semantics.
/// </summary>
public interface ISearchIndex
{
    /// <summary>Creates what the backend needs (an Elasticsearch index with its mapping); idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Applies the writes; for each, true if it landed and false if the index already had that version or a newer one.</summary>
    Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<IndexWrite> writes, CancellationToken cancellationToken);

    async Task<bool> UpsertAsync(SearchDocument document, long version, CancellationToken cancellationToken) =>
        (await WriteAsync([new IndexWrite(document.Id, version, document)], cancellationToken))[0];

    /// <summary>Replaces the document with a tombstone that keeps <paramref name="version"/>, so a late older write stays out.</summary>
    async Task<bool> DeleteAsync(Guid id, long version, CancellationToken cancellationToken) =>
        (await WriteAsync([new IndexWrite(id, version, null)], cancellationToken))[0];

    Task<SearchResponse> SearchAsync(SearchQuery query, CancellationToken cancellationToken);

    /// <summary>Removes every document and tombstone (a rebuild's first step).</summary>
    Task ClearAsync(CancellationToken cancellationToken);

    /// <summary>Documents plus tombstones.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>Ids whose stored version is lower than expected (or missing): writes the index lost, to be redone.</summary>
    Task<IReadOnlyList<Guid>> FindBehindAsync(IReadOnlyList<(Guid Id, long Version)> expected, CancellationToken cancellationToken);
}
