using AspireShop.Bench.Cli;
using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;
using AspireShop.Bench.Reporting;
using AspireShop.Bench.Scenarios;

namespace AspireShop.Bench;

/// <summary>One bench run: bring up (or point at) the platform, run the scenario, write the results, tear down.</summary>
public static class BenchRun
{
    public const int Succeeded = 0;
    public const int Failed = 1;
    public const int Interrupted = 130;

    public static async Task<int> ExecuteAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        await using var platform = options.Target is null ? new SelfHostedPlatform(options.Scenario.AppHostSettings) : null;
        try
        {
            var baseAddress = platform is null ? options.Target! : await platform.StartAsync(cancellationToken);
            using var client = BenchClient.Create(baseAddress, options.Load.Concurrency);
            using var context = new BenchContext(client, options.Load, platform?.Fixture, options.Target);
            if (platform is { AppHostSettings.Count: > 0 })
            {
                context.Metrics["apphost_settings"] = new System.Text.Json.Nodes.JsonObject(
                    platform.AppHostSettings.Select(setting => KeyValuePair.Create(setting.Key, (System.Text.Json.Nodes.JsonNode?)setting.Value)));
            }

            var startedAt = DateTimeOffset.UtcNow;
            var loadBefore = LoadAverage();
            var result = await options.Scenario.RunAsync(context, cancellationToken);
            // The 1-minute load average of the whole machine before and after the scenario, platform included: far above
            // the core count before the load starts means other work was sharing the box.
            context.Metrics["machine_load_1m"] = $"{loadBefore} before, {LoadAverage()} after ({Environment.ProcessorCount} cores)";

            var target = options.Target?.ToString() ?? "self-hosted native";
            var report = new BenchReport(options.Scenario.Name, result, options.Load, target, startedAt, context.Metrics, context.Headline)
            {
                MarkdownPreface = context.MarkdownPreface,
            };
            var (json, markdown) = report.Write(Path.Combine(AspireShop.TestKit.RepositoryPaths.Root, "bench", "results"));
            PrintSummary(options.Scenario, result, json, markdown);
            return options.Scenario.Succeeded(result) ? Succeeded : Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench: interrupted, no results written");
            return Interrupted;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"bench: {options.Scenario.Name} failed: {ex.GetType().Name}: {ex.Message}");
            return Failed;
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static void PrintSummary(IScenario scenario, LoadResult result, string json, string markdown)
    {
        Console.WriteLine(
            $"{scenario.Name}: {result.Rps:0.0} rps, p50 {result.P50Ms:0.00} ms, p95 {result.P95Ms:0.00} ms, p99 {result.P99Ms:0.00} ms, " +
            $"{result.Errors:N0} errors of {result.Requests:N0} requests");
        foreach (var (kind, count) in result.ErrorKinds)
        {
            Console.WriteLine($"  {kind}: {count:N0}");
        }

        Console.WriteLine($"Wrote {json} and {markdown}");
    }
}
