using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.TestKit;

namespace AspireShop.Bench.Scenarios;

/// <summary>What a scenario gets to work with: the bench client, the load settings and a place for its own figures.</summary>
public sealed class BenchContext(HttpClient client, LoadOptions options, PlatformFixture? platform)
{
    /// <summary>Base address is the target (gateway URL or the self-hosted catalog), always ending in a slash.</summary>
    public HttpClient Client { get; } = client;

    public LoadOptions Options { get; } = options;

    /// <summary>The self-hosted platform (connection strings, other resources); null when benchmarking --target.</summary>
    public PlatformFixture? Platform { get; } = platform;

    /// <summary>The scenario's own figures (ratios, counts); they land in the report's "metrics" next to the standard ones.</summary>
    public JsonObject Metrics { get; } = [];

    /// <summary>Warm-up then a measured closed-loop load of <paramref name="step"/>; may be called more than once per run.</summary>
    public Task<LoadResult> RunLoadAsync(string label, Step step, CancellationToken cancellationToken) =>
        new LoadRunner(Client, Options, label).RunAsync(step, cancellationToken);
}
