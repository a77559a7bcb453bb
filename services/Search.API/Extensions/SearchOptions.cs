namespace AspireShop.Search.API.Extensions;

/// <summary>The <c>Search</c> configuration section.</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>Lucene's index folder; defaults to <c>&lt;ContentRoot&gt;/.data/search-index</c>.</summary>
    public string? IndexPath { get; set; }

    /// <summary>Debezium's topic prefix of the catalog database: change events arrive on <c>&lt;prefix&gt;.public.&lt;table&gt;</c>.</summary>
    public string CatalogTopicPrefix { get; set; } = "catalogdb";

    public string AvailabilityTopic { get; set; } = "outbox.event.availability";

    /// <summary>
    /// Consumer groups are <c>&lt;prefix&gt;.catalog</c> and <c>&lt;prefix&gt;.availability</c>; a second index fed side by
    /// side (or a test) takes its own prefix so it reads every event instead of sharing them.
    /// </summary>
    public string ConsumerGroupPrefix { get; set; } = "search";

    public string CatalogConsumerGroup => $"{ConsumerGroupPrefix}.catalog";

    public string AvailabilityConsumerGroup => $"{ConsumerGroupPrefix}.availability";

    /// <summary>The Elasticsearch index (containers mode).</summary>
    public string IndexName { get; set; } = "products";

    /// <summary>Elasticsearch's refresh interval: a write is searchable within about this long.</summary>
    public string ElasticsearchRefreshInterval { get; set; } = "250ms";

    public string ProductsTopic => $"{CatalogTopicPrefix}.public.products";

    public string SkusTopic => $"{CatalogTopicPrefix}.public.skus";

    public string OffersTopic => $"{CatalogTopicPrefix}.public.offers";

    public string ResolveIndexPath(string contentRoot) =>
        string.IsNullOrWhiteSpace(IndexPath) ? Path.Combine(contentRoot, ".data", "search-index") : Path.GetFullPath(IndexPath, contentRoot);
}
