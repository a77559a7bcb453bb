using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AspireShop.Search.API.Domain;
using AspireShop.Search.API.Extensions;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Queries;
using Lucene.Net.Search;
using Lucene.Net.Search.Highlight;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Microsoft.Extensions.Options;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace AspireShop.Search.API.Indexing;

/// <summary>
/// The native-mode index: Lucene.NET in the service's data directory. Versions of every id (tombstones included) are
/// kept in memory, rebuilt from the index at start, so the external-version check costs a dictionary lookup. Writes
/// become searchable within ~20 ms (near-real-time refresh) and durable within a second (commit); a crash loses at most
/// that second, which the start-up check redoes from the mirror.
/// </summary>
public sealed partial class LuceneSearchIndex : ISearchIndex, IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string Live = "live";
    private const string Tombstone = "tombstone";
    private const int SnippetLength = 150;
    private const int MaxFacetTermLength = 512;

    // Bounds the memory of one searcher's answers (a page of 20 hits with facets is a few KB).
    private const int MaxCachedResults = 10_000;

    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Title outranks the other fields; the tie-breaker lets a term found in several fields count a little more.
    private static readonly (string Field, float Boost)[] TextFields =
        [(Fields.Title, 3f), (Fields.Brand, 1.5f), (Fields.Category, 1.5f), (Fields.AttributeText, 1f), (Fields.Description, 1f)];

    private static readonly SortField ById = new(Fields.IdSort, SortFieldType.STRING);

    private readonly LuceneDirectory _directory;
    private readonly Analyzer _analyzer = new EnglishAnalyzer(Version);
    private readonly IndexWriter _writer;
    private readonly SearcherManager _searchers;
    private readonly ConcurrentDictionary<Guid, long> _versions = new();
    private readonly System.Threading.Lock _writeLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _maintenance;
    private readonly SearchMetrics _metrics;
    private readonly ILogger<LuceneSearchIndex> _logger;
    private ResultCache _results = new(-1);
    private int _unrefreshed;
    private int _uncommitted;
    private int _disposed;

    public LuceneSearchIndex(IOptions<SearchOptions> options, IHostEnvironment environment, SearchMetrics metrics, ILogger<LuceneSearchIndex> logger)
    {
        _metrics = metrics;
        _logger = logger;
        Path = options.Value.ResolveIndexPath(environment.ContentRootPath);
        System.IO.Directory.CreateDirectory(Path);
        _directory = FSDirectory.Open(Path);
        _writer = new IndexWriter(_directory, new IndexWriterConfig(Version, _analyzer) { OpenMode = OpenMode.CREATE_OR_APPEND });
        _searchers = new SearcherManager(_writer, applyAllDeletes: true, searcherFactory: null);
        LoadVersions();
        LogOpened(Path, _versions.Count);
        _maintenance = Task.Run(MaintainAsync);
    }

    public string Path { get; }

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<IndexWrite> writes, CancellationToken cancellationToken)
    {
        var landed = new bool[writes.Count];
        lock (_writeLock)
        {
            for (var i = 0; i < writes.Count; i++)
            {
                var write = writes[i];
                if (_versions.TryGetValue(write.Id, out var stored) && stored >= write.Version)
                {
                    continue;
                }

                var id = Key(write.Id);
                _writer.UpdateDocument(new Term(Fields.Id, id), write.Document is { } document ? ToLucene(document, id, write.Version) : TombstoneFor(id, write.Version));
                _versions[write.Id] = write.Version;
                landed[i] = true;
            }
        }

        if (landed.Contains(true))
        {
            Volatile.Write(ref _unrefreshed, 1);
            Volatile.Write(ref _uncommitted, 1);
        }

        return Task.FromResult<IReadOnlyList<bool>>(landed);
    }

    public Task<SearchResponse> SearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var searcher = _searchers.Acquire();
        try
        {
            // A searcher is a fixed point-in-time view, so its answers can be reused until a refresh replaces it (as
            // Elasticsearch's request cache is invalidated by a refresh): popular queries cost a lookup, never a stale page.
            var version = ((DirectoryReader)searcher.IndexReader).Version;
            var cache = Volatile.Read(ref _results);
            if (cache.Version != version)
            {
                cache = new ResultCache(version);
                Volatile.Write(ref _results, cache);
            }

            var key = query.CacheKey();
            if (cache.Entries.TryGetValue(key, out var cached))
            {
                _metrics.QueryTook(Stopwatch.GetElapsedTime(started), "lucene");
                return Task.FromResult(cached);
            }

            var response = Search(searcher, query);
            if (cache.Entries.Count < MaxCachedResults)
            {
                cache.Entries.TryAdd(key, response);
            }

            _metrics.QueryTook(Stopwatch.GetElapsedTime(started), "lucene");
            return Task.FromResult(response);
        }
        finally
        {
            _searchers.Release(searcher);
        }
    }

    private SearchResponse Search(IndexSearcher searcher, SearchQuery query)
    {
        var terms = query.HasText ? Analyze(query.Text!) : [];
        Query match = terms.Count == 0 ? new MatchAllDocsQuery() : TextQuery(terms);
        var top = TopFieldCollector.Create(SortFor(query.Sort, terms.Count > 0), Math.Max(1, query.Skip + query.PageSize),
            fillFields: false, trackDocScores: false, trackMaxScore: false, docsScoredInOrder: false);
        var facets = new FacetCollector();
        searcher.Search(match, FilterFor(query), MultiCollector.Wrap(top, facets));
        facets.Finish();

        var total = top.TotalHits;
        var highlight = terms.Count == 0 ? null : new Highlights(_analyzer, terms);
        var items = top.GetTopDocs(query.Skip, query.PageSize).ScoreDocs
            .Select(hit => ToHit(searcher.Doc(hit.Doc), highlight))
            .ToList();
        return new SearchResponse(total, query.Page, query.PageSize, items, SearchFacets.From(facets.Brands, facets.Categories, facets.AttributePairs));
    }

    public Task ClearAsync(CancellationToken cancellationToken)
    {
        lock (_writeLock)
        {
            _writer.DeleteAll();
            _versions.Clear();
            _writer.Commit();
        }

        _searchers.MaybeRefreshBlocking();
        return Task.CompletedTask;
    }

    public Task<long> CountAsync(CancellationToken cancellationToken) => Task.FromResult((long)_versions.Count);

    public Task<IReadOnlyList<Guid>> FindBehindAsync(IReadOnlyList<(Guid Id, long Version)> expected, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Guid>>(
            [.. expected.Where(e => !_versions.TryGetValue(e.Id, out var stored) || stored < e.Version).Select(e => e.Id)]);

    public void Dispose()
    {
        // Registered both as itself and as ISearchIndex, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        _maintenance.ContinueWith(static _ => { }, TaskScheduler.Default).Wait(TimeSpan.FromSeconds(5));
        lock (_writeLock)
        {
            _writer.Commit();
        }

        _searchers.Dispose();
        _writer.Dispose();
        _directory.Dispose();
        _analyzer.Dispose();
        _stop.Dispose();
    }

    private static string Key(Guid id) => id.ToString("D");

    private static Document TombstoneFor(string id, long version) =>
    [
        new StringField(Fields.Id, id, Field.Store.YES),
        new SortedDocValuesField(Fields.IdSort, new BytesRef(id)),
        new NumericDocValuesField(Fields.Version, version),
        new StringField(Fields.State, Tombstone, Field.Store.NO),
    ];

    private static Document ToLucene(SearchDocument document, string id, long version)
    {
        var fields = TombstoneFor(id, version);
        fields.RemoveFields(Fields.State);
        fields.Add(new StringField(Fields.State, Live, Field.Store.NO));
        fields.Add(new TextField(Fields.Title, document.Title, Field.Store.NO));
        if (document.Description is { Length: > 0 } description)
        {
            fields.Add(new TextField(Fields.Description, description, Field.Store.NO));
        }

        AddKeyword(fields, document.Brand, Fields.Brand, Fields.BrandNorm, Fields.BrandFacet);
        AddKeyword(fields, document.Category, Fields.Category, Fields.CategoryNorm, Fields.CategoryFacet);
        foreach (var attributeValue in document.AttributeValues())
        {
            fields.Add(new TextField(Fields.AttributeText, attributeValue, Field.Store.NO));
        }

        foreach (var pair in document.AttributePairs().Where(p => p.Length <= MaxFacetTermLength))
        {
            fields.Add(new StringField(Fields.AttributeNorm, pair.ToLowerInvariant(), Field.Store.NO));
            fields.Add(new SortedSetDocValuesField(Fields.AttributeFacet, new BytesRef(pair)));
        }

        var cents = document.MinPrice is { } price ? SearchQuery.ToCents(price) : (long?)null;
        if (cents is { } value)
        {
            fields.Add(new Int64Field(Fields.MinPrice, value, Field.Store.NO));
        }

        // Separate sort fields so a product without a price sorts last in both directions.
        fields.Add(new NumericDocValuesField(Fields.PriceAscending, cents ?? long.MaxValue));
        fields.Add(new NumericDocValuesField(Fields.PriceDescending, cents ?? long.MinValue));
        fields.Add(new NumericDocValuesField(Fields.Created, document.CreatedAt.UtcTicks));
        fields.Add(new StoredField(Fields.Source, JsonSerializer.Serialize(document, Json)));
        return fields;
    }

    private static void AddKeyword(Document fields, string? value, string text, string normalized, string facet)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxFacetTermLength)
        {
            return;
        }

        fields.Add(new TextField(text, value, Field.Store.NO));
        fields.Add(new StringField(normalized, value.ToLowerInvariant(), Field.Store.NO));
        fields.Add(new SortedDocValuesField(facet, new BytesRef(value)));
    }

    private List<string> Analyze(string text)
    {
        var terms = new List<string>();
        using var stream = _analyzer.GetTokenStream(Fields.Title, new StringReader(text));
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            terms.Add(term.ToString());
        }

        stream.End();
        return [.. terms.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Every term must match somewhere; per term the best field counts (title boosted), as multi_match's cross_fields.</summary>
    private static BooleanQuery TextQuery(IReadOnlyList<string> terms)
    {
        var query = new BooleanQuery();
        foreach (var term in terms)
        {
            var anyField = new DisjunctionMaxQuery(0.1f);
            foreach (var (field, boost) in TextFields)
            {
                anyField.Add(new TermQuery(new Term(field, term)) { Boost = boost });
            }

            query.Add(anyField, Occur.MUST);
        }

        return query;
    }

    private static BooleanFilter FilterFor(SearchQuery query)
    {
        // Filters never score, so they go here rather than into the query (4.8 has no Occur.FILTER).
        var filter = new BooleanFilter { new FilterClause(new TermsFilter(new Term(Fields.State, Live)), Occur.MUST) };
        if (query.Brands.Count > 0)
        {
            filter.Add(new TermsFilter([.. query.Brands.Select(b => new Term(Fields.BrandNorm, b.ToLowerInvariant()))]), Occur.MUST);
        }

        if (query.Categories.Count > 0)
        {
            filter.Add(new TermsFilter([.. query.Categories.Select(c => new Term(Fields.CategoryNorm, c.ToLowerInvariant()))]), Occur.MUST);
        }

        if (query.MinPrice is not null || query.MaxPrice is not null)
        {
            var min = query.MinPrice is { } low ? SearchQuery.ToCents(low) : (long?)null;
            var max = query.MaxPrice is { } high ? SearchQuery.ToCents(high) : (long?)null;
            filter.Add(NumericRangeFilter.NewInt64Range(Fields.MinPrice, min, max, true, true), Occur.MUST);
        }

        foreach (var (name, values) in query.Attributes)
        {
            filter.Add(new TermsFilter([.. values.Select(v => new Term(Fields.AttributeNorm, SearchDocument.Pair(name, v).ToLowerInvariant()))]), Occur.MUST);
        }

        return filter;
    }

    private static Sort SortFor(SearchSort sort, bool hasText) => sort switch
    {
        SearchSort.Relevance when hasText => new Sort(SortField.FIELD_SCORE, ById),
        SearchSort.PriceAsc => new Sort(new SortField(Fields.PriceAscending, SortFieldType.INT64), ById),
        SearchSort.PriceDesc => new Sort(new SortField(Fields.PriceDescending, SortFieldType.INT64, true), ById),
        // Relevance without a text query has nothing to rank by: newest first, as Elasticsearch's side does.
        _ => new Sort(new SortField(Fields.Created, SortFieldType.INT64, true), ById),
    };

    private static SearchHit ToHit(Document stored, Highlights? highlight)
    {
        var document = JsonSerializer.Deserialize<SearchDocument>(stored.Get(Fields.Source), Json)!;
        return new SearchHit(
            document.Id, document.Title, document.Brand, document.Category, document.MinPrice, document.MaxPrice, document.Currency,
            document.InStock, highlight?.Snippet(document) ?? Lead(document.Description));
    }

    /// <summary>The start of the description, encoded as a highlighted snippet would be.</summary>
    internal static string? Lead(string? description) =>
        string.IsNullOrEmpty(description) ? null : WebUtility.HtmlEncode(description.Length <= SnippetLength ? description : description[..SnippetLength]);

    private void LoadVersions()
    {
        var searcher = _searchers.Acquire();
        try
        {
            var id = new BytesRef();
            foreach (var leaf in searcher.IndexReader.Leaves)
            {
                var reader = leaf.AtomicReader;
                var ids = reader.GetSortedDocValues(Fields.IdSort);
                var versions = reader.GetNumericDocValues(Fields.Version);
                if (ids is null || versions is null)
                {
                    continue;
                }

                var live = reader.LiveDocs;
                for (var doc = 0; doc < reader.MaxDoc; doc++)
                {
                    if (live is not null && !live.Get(doc))
                    {
                        continue;
                    }

                    ids.Get(doc, id);
                    _versions[Guid.Parse(id.Utf8ToString())] = versions.Get(doc);
                }
            }
        }
        finally
        {
            _searchers.Release(searcher);
        }
    }

    private async Task MaintainAsync()
    {
        using var timer = new PeriodicTimer(RefreshInterval);
        var lastCommit = Stopwatch.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    if (Interlocked.Exchange(ref _unrefreshed, 0) == 1)
                    {
                        _searchers.MaybeRefresh();
                    }

                    if (Stopwatch.GetElapsedTime(lastCommit) >= CommitInterval && Interlocked.Exchange(ref _uncommitted, 0) == 1)
                    {
                        _writer.Commit();
                        lastCommit = Stopwatch.GetTimestamp();
                    }
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    LogMaintenanceFailed(ex);
                    Volatile.Write(ref _uncommitted, 1);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposing: the final commit happens in Dispose.
        }
    }

    [LoggerMessage(LogLevel.Information, "Lucene index at {Path} opened with {Count} documents and tombstones")]
    private partial void LogOpened(string path, int count);

    [LoggerMessage(LogLevel.Warning, "Lucene index refresh or commit failed; retrying")]
    private partial void LogMaintenanceFailed(Exception error);

    private static class Fields
    {
        public const string Id = "id";
        public const string IdSort = "id_sort";
        public const string Version = "version";
        public const string State = "state";
        public const string Title = "title";
        public const string Description = "description";
        public const string Brand = "brand";
        public const string Category = "category";
        public const string AttributeText = "attr_text";
        public const string BrandNorm = "brand_norm";
        public const string CategoryNorm = "category_norm";
        public const string AttributeNorm = "attr_norm";
        public const string BrandFacet = "brand_facet";
        public const string CategoryFacet = "category_facet";
        public const string AttributeFacet = "attr_facet";
        public const string MinPrice = "min_price";
        public const string PriceAscending = "price_asc";
        public const string PriceDescending = "price_desc";
        public const string Created = "created";
        public const string Source = "source";
    }

    /// <summary>Answers given by the searcher of one index version.</summary>
    private sealed record ResultCache(long Version)
    {
        public ConcurrentDictionary<string, SearchResponse> Entries { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Highlights a hit's description (or, failing that, its title) with the query's terms; per request, as Highlighter is not thread-safe.</summary>
    private sealed class Highlights(Analyzer analyzer, IReadOnlyList<string> terms)
    {
        private readonly Highlighter _description = Create(Fields.Description, terms);
        private readonly Highlighter _title = Create(Fields.Title, terms);

        public string? Snippet(SearchDocument document) =>
            (document.Description is { Length: > 0 } description ? _description.GetBestFragment(analyzer, Fields.Description, description) : null)
            ?? _title.GetBestFragment(analyzer, Fields.Title, document.Title);

        private static Highlighter Create(string field, IReadOnlyList<string> terms)
        {
            var query = new BooleanQuery();
            foreach (var term in terms)
            {
                query.Add(new TermQuery(new Term(field, term)), Occur.SHOULD);
            }

            var scorer = new QueryScorer(query, field);
            return new Highlighter(new SimpleHTMLFormatter("<em>", "</em>"), new SimpleHTMLEncoder(), scorer)
            {
                TextFragmenter = new SimpleSpanFragmenter(scorer, SnippetLength),
            };
        }
    }

    /// <summary>
    /// Counts brand, category and attribute values over every match, from doc-values ordinals (Lucene.Net.Facet is
    /// not available): per segment into an array indexed by ordinal, resolved to strings when the segment ends.
    /// </summary>
    private sealed class FacetCollector : ICollector
    {
        private readonly BytesRef _scratch = new();
        private SortedDocValues? _brand;
        private SortedDocValues? _category;
        private SortedSetDocValues? _attributes;
        private int[] _brandCounts = [];
        private int[] _categoryCounts = [];
        private int[] _attributeCounts = [];

        public Dictionary<string, long> Brands { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> Categories { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> AttributePairs { get; } = new(StringComparer.Ordinal);

        public bool AcceptsDocsOutOfOrder => true;

        public void SetScorer(Scorer scorer)
        {
        }

        public void SetNextReader(AtomicReaderContext context)
        {
            Finish();
            var reader = context.AtomicReader;
            _brand = reader.GetSortedDocValues(Fields.BrandFacet);
            _category = reader.GetSortedDocValues(Fields.CategoryFacet);
            _attributes = reader.GetSortedSetDocValues(Fields.AttributeFacet);
            _brandCounts = new int[_brand?.ValueCount ?? 0];
            _categoryCounts = new int[_category?.ValueCount ?? 0];
            _attributeCounts = new int[_attributes?.ValueCount ?? 0];
        }

        public void Collect(int doc)
        {
            if (_brand?.GetOrd(doc) is >= 0 and var brand)
            {
                _brandCounts[brand]++;
            }

            if (_category?.GetOrd(doc) is >= 0 and var category)
            {
                _categoryCounts[category]++;
            }

            if (_attributes is not null)
            {
                _attributes.SetDocument(doc);
                for (var ord = _attributes.NextOrd(); ord != SortedSetDocValues.NO_MORE_ORDS; ord = _attributes.NextOrd())
                {
                    _attributeCounts[ord]++;
                }
            }
        }

        /// <summary>Folds the current segment's counts into the totals.</summary>
        public void Finish()
        {
            Fold(_brandCounts, Brands, ord => _brand!.LookupOrd(ord, _scratch));
            Fold(_categoryCounts, Categories, ord => _category!.LookupOrd(ord, _scratch));
            Fold(_attributeCounts, AttributePairs, ord => _attributes!.LookupOrd(ord, _scratch));
            _brandCounts = _categoryCounts = _attributeCounts = [];
        }

        private void Fold(int[] counts, Dictionary<string, long> into, Action<int> lookup)
        {
            for (var ord = 0; ord < counts.Length; ord++)
            {
                if (counts[ord] > 0)
                {
                    lookup(ord);
                    var value = _scratch.Utf8ToString();
                    into[value] = into.GetValueOrDefault(value) + counts[ord];
                }
            }
        }
    }
}
