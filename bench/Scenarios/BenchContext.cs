using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.TestKit;

namespace AspireShop.Bench.Scenarios;

/// <summary>What a scenario gets to work with: the bench client, the load settings and a place for its own figures.</summary>
public sealed class BenchContext : IDisposable
{
    private readonly Uri? _target;
    private readonly List<HttpClient> _owned = [];
    private readonly Lazy<BenchIdentity> _identity;

    /// <param name="client">The client loads use unless they bring their own.</param>
    /// <param name="options">The run's duration, warm-up and concurrency.</param>
    /// <param name="platform">The self-hosted platform; null with --target.</param>
    /// <param name="target">The --target gateway; null when self-hosted.</param>
    public BenchContext(HttpClient client, LoadOptions options, PlatformFixture? platform, Uri? target = null)
    {
        (Client, Options, Platform, _target) = (client, options, platform, target);
        _identity = new Lazy<BenchIdentity>(() => new BenchIdentity(CreateClient("identity")));
        // DemoCatalog's helpers that take only a catalog client sign in through this run's Identity.
        DemoCatalog.Identity = _identity;
    }

    /// <summary>Base address is the target (gateway URL or the self-hosted catalog), always ending in a slash.</summary>
    public HttpClient Client { get; }

    public LoadOptions Options { get; }

    /// <summary>The self-hosted platform (connection strings, other resources); null when benchmarking --target.</summary>
    public PlatformFixture? Platform { get; }

    /// <summary>Real tokens (password grant), from the identity resource when self-hosted, else through the target gateway.</summary>
    public BenchIdentity Identity => _identity.Value;

    /// <summary>The scenario's own figures (ratios, counts); they land in the report's "metrics" next to the standard ones.</summary>
    public JsonObject Metrics { get; } = [];

    /// <summary>Markdown for above the report's figure table, made from the finished report (e.g. beside an earlier run's figures).</summary>
    public Func<JsonObject, string>? MarkdownPreface { get; set; }

    /// <summary>Figures an issue names as the result's own keys (e.g. <c>pss_mib</c>): written at the top level, beside <c>rps</c>.</summary>
    public JsonObject Headline { get; } = [];

    /// <summary>
    /// A bench client (no resilience handler, a connection per worker) for a platform resource: its own endpoint when
    /// self-hosted, the --target gateway otherwise (which routes every public path). Owned by the context.
    /// </summary>
    public HttpClient CreateClient(string resource)
    {
        Uri baseAddress;
        if (Platform is null)
        {
            baseAddress = _target ?? Client.BaseAddress!;
        }
        else
        {
            using var resolved = Platform.CreateHttpClient(resource);
            baseAddress = resolved.BaseAddress ?? throw new InvalidOperationException($"Resource '{resource}' has no HTTP endpoint.");
        }

        var client = BenchClient.Create(baseAddress, Options.Concurrency);
        lock (_owned)
        {
            _owned.Add(client);
        }

        return client;
    }

    /// <summary>Warm-up then a measured closed-loop load of <paramref name="step"/>; may be called more than once per run.</summary>
    public Task<LoadResult> RunLoadAsync(string label, LoadStep step, CancellationToken cancellationToken) =>
        new LoadRunner(Client, Options, label).RunAsync(step, cancellationToken);

    /// <summary>The same, with another client (another resource) handed to the step, and optionally other timings.</summary>
    public Task<LoadResult> RunLoadAsync(string label, HttpClient client, LoadStep step, CancellationToken cancellationToken, LoadOptions? options = null) =>
        new LoadRunner(client, options ?? Options, label).RunAsync(step, cancellationToken);

    public void Dispose()
    {
        lock (_owned)
        {
            _owned.ForEach(client => client.Dispose());
            _owned.Clear();
        }
    }
}
