using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Search.Tests;

/// <summary>
/// One search service with everything it reads, per test class: a fresh "catalog" database with the Catalog's tables,
/// a real CdcRelay publishing its changes to topics under a unique prefix, a fresh searchdb, an index (a temp Lucene
/// folder or a unique Elasticsearch index) and the service itself.
/// </summary>
public abstract class SearchStack(Uri? elasticsearch, bool enabled) : IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure = new();
    private CatalogRelay? _relay;
    private string _indexDirectory = "";

    public bool Enabled { get; } = enabled;

    public string Backend => elasticsearch is null ? "lucene" : "elasticsearch";

    public string Prefix { get; } = CatalogData.Token("cat");

    public string AvailabilityTopic => $"{Prefix}.availability";

    public string CatalogConnectionString { get; private set; } = "";

    public string SearchConnectionString { get; private set; } = "";

    public string KafkaBootstrapServers => _infrastructure.KafkaBootstrapServers;

    public NpgsqlDataSource Catalog { get; private set; } = null!;

    public NpgsqlDataSource SearchDatabase { get; private set; } = null!;

    public SearchHost Host { get; private set; } = null!;

    public IReadOnlyList<string> CatalogTopics => [$"{Prefix}.public.products", $"{Prefix}.public.skus", $"{Prefix}.public.offers"];

    public async Task InitializeAsync()
    {
        if (!Enabled)
        {
            return;
        }

        await _infrastructure.InitializeAsync();
        CatalogConnectionString = await _infrastructure.CreateDatabaseAsync("catalog");
        SearchConnectionString = await _infrastructure.CreateDatabaseAsync("search");
        Catalog = NpgsqlDataSource.Create(CatalogConnectionString);
        SearchDatabase = NpgsqlDataSource.Create(SearchConnectionString);
        await CatalogData.ExecuteAsync(Catalog, CatalogData.Ddl);
        _indexDirectory = RepositoryPaths.CreateScratchDirectory("search-index");
        await CreateTopicsAsync(Prefix);
        _relay = await CatalogRelay.StartAsync(Prefix, CatalogConnectionString, KafkaBootstrapServers);

        Host = StartHost();
        await WaitUntilConsumingAsync();
    }

    /// <summary>Waits until a catalog change reaches the index, so no test's 2 s budget is spent on the first group join.</summary>
    public async Task WaitUntilConsumingAsync()
    {
        var canary = CatalogData.Token("warm");
        await CatalogData.AddAsync(Catalog, new ProductSpec(canary, Category: canary, Variants: CatalogData.OneOffer(1m)));
        await Host.UntilAsync($"category={canary}", r => r.Total == 1, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Search's two consumer groups on the topics of <paramref name="prefix"/>: groups are broker-wide, so each stack (and
    /// each extra host) gets groups of its own and reads every event.
    /// </summary>
    public static Dictionary<string, string?> ConsumerSettings(string prefix) => new()
    {
        ["Messaging:Consumers:search.catalog:GroupId"] = $"{prefix}.catalog",
        ["Messaging:Consumers:search.catalog:Topics:0"] = $"{prefix}.public.products",
        ["Messaging:Consumers:search.catalog:Topics:1"] = $"{prefix}.public.skus",
        ["Messaging:Consumers:search.catalog:Topics:2"] = $"{prefix}.public.offers",
        ["Messaging:Consumers:search.availability:GroupId"] = $"{prefix}.availability",
        ["Messaging:Consumers:search.availability:Topics:0"] = $"{prefix}.availability",
    };

    /// <summary>Settings of a host on this stack's databases, topics and index; <paramref name="overrides"/> win.</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:searchdb"] = SearchConnectionString,
            ["ConnectionStrings:kafka"] = KafkaBootstrapServers,
            ["ConnectionStrings:catalogdb-snapshot"] = CatalogConnectionString,
            ["Search:IndexPath"] = _indexDirectory,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            // The dev broker answers a fetch only when fetch.wait.max.ms (500 by default) runs out, even if data arrived.
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
        };
        foreach (var (key, value) in ConsumerSettings(Prefix))
        {
            settings[key] = value;
        }

        if (elasticsearch is not null)
        {
            settings["ConnectionStrings:search"] = elasticsearch.ToString();
            settings["Search:IndexName"] = Prefix.ToLowerInvariant();
            settings["Search:ElasticsearchRefreshInterval"] = "100ms";
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public SearchHost StartHost() => new(Settings());

    /// <summary>Stops the service, lets <paramref name="whileStopped"/> change the catalog, and starts a new instance on the same index and searchdb.</summary>
    public async Task RestartHostAsync(Func<Task> whileStopped)
    {
        await Host.DisposeAsync();
        await whileStopped();
        Host = StartHost();
    }

    public Task<string> CreateSearchDatabaseAsync() => _infrastructure.CreateDatabaseAsync("search");

    public Task<string> CreateDatabaseAsync(string name) => _infrastructure.CreateDatabaseAsync(name);

    /// <summary>Creates the catalog and availability topics under <paramref name="prefix"/> (consumers do not auto-create topics).</summary>
    public async Task CreateTopicsAsync(string prefix)
    {
        foreach (var topic in new[] { $"{prefix}.public.products", $"{prefix}.public.skus", $"{prefix}.public.offers", $"{prefix}.availability" })
        {
            await _infrastructure.CreateNamedTopicAsync(topic, partitions: 4);
        }
    }

    public async Task DisposeAsync()
    {
        if (!Enabled)
        {
            return;
        }

        await Host.DisposeAsync();
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        await Catalog.DisposeAsync();
        await SearchDatabase.DisposeAsync();
        RepositoryPaths.DeleteQuietly(_indexDirectory);
    }
}

public sealed class LuceneStack() : SearchStack(null, enabled: true);

public sealed class ElasticsearchStack() : SearchStack(ElasticsearchTarget.Url, enabled: ElasticsearchTarget.Url is not null);
