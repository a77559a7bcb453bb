namespace AspireShop.Search.API.Extensions;

/// <summary>The <c>Search</c> configuration section.</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>Lucene's index folder; defaults to <c>&lt;ContentRoot&gt;/.data/search-index</c>.</summary>
    public string? IndexPath { get; set; }

    /// <summary>The Elasticsearch index (containers mode).</summary>
    public string IndexName { get; set; } = "products";

    /// <summary>Elasticsearch's refresh interval: a write is searchable within about this long.</summary>
    public string ElasticsearchRefreshInterval { get; set; } = "250ms";

    public string ResolveIndexPath(string contentRoot) =>
        string.IsNullOrWhiteSpace(IndexPath) ? Path.Combine(contentRoot, ".data", "search-index") : Path.GetFullPath(IndexPath, contentRoot);
}
