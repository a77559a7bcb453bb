using AspireShop.Bench.Load;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// A named benchmark. It runs one or more loads through <c>BenchContext.RunLoadAsync</c>, may add its own
/// figures to <see cref="BenchContext.Metrics"/>, and returns the load whose figures head the report.
/// </summary>
public interface IScenario
{
    string Name { get; }

    string Description { get; }

    /// <summary>
    /// AppHost configuration the self-hosted platform needs for this scenario (for example lifted gateway rate limits or
    /// Postgres fsync), as <c>Section:Key</c> pairs; ignored with --target, whose platform is what it is.
    /// </summary>
    IReadOnlyDictionary<string, string> AppHostSettings => new Dictionary<string, string>();

    Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken);

    /// <summary>The same scenario with the payment provider faulting a share of its calls (--faults); null when it has no such variant.</summary>
    IScenario? WithFaults() => null;

    /// <summary>Whether the run measured something; a load scenario needs requests that did not all fail.</summary>
    bool Succeeded(LoadResult result) => result.Requests > 0 && result.Errors < result.Requests;
}

/// <summary>The common shape: optional setup, one load of a single step, optional figures from its result.</summary>
public abstract class SingleLoadScenario : IScenario
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await SetupAsync(context, cancellationToken);
        var result = await context.RunLoadAsync(Name, SendAsync, cancellationToken);
        AddMetrics(context, result);
        return result;
    }

    protected virtual Task SetupAsync(BenchContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    protected abstract Task<bool> SendAsync(HttpClient client, CancellationToken cancellationToken);

    protected virtual void AddMetrics(BenchContext context, LoadResult result)
    {
    }
}
