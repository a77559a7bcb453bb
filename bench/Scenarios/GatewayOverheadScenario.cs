using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The product-page load (anonymous GET api/catalog/products/{id} over warm seeded products) straight to the catalog
/// and through the gateway in one run (rounds A, B, B, A): the gateway's cost as the ratio of their RPS (goal ≥ 0.7).
/// The gateway's rate limits are lifted for the run (they are per IP, and every bench request comes from one), so
/// what is measured is proxying, JWT-less policy checks and the limiter's bookkeeping, not throttling.
/// </summary>
public sealed class GatewayOverheadScenario : IScenario
{
    private static readonly string[] Measured = ["catalog", "gateway"];

    private const int Rotation = 100;
    private const string Lifted = "1000000";

    /// <summary>The gateway's limits lifted for a run (AppHost configuration the AppHost forwards to the gateway).</summary>
    public static readonly IReadOnlyDictionary<string, string> LiftedRateLimits = new Dictionary<string, string>
    {
        ["Gateway:RateLimits:Default:TokensPerSecond"] = Lifted,
        ["Gateway:RateLimits:Default:Burst"] = Lifted,
        ["Gateway:RateLimits:Writes:TokensPerSecond"] = Lifted,
        ["Gateway:RateLimits:Writes:Burst"] = Lifted,
        ["Gateway:RateLimits:Auth:TokensPerSecond"] = Lifted,
        ["Gateway:RateLimits:Auth:Burst"] = Lifted,
    };

    public const string LiftedRateLimitsText = "Default, Writes and Auth lifted to 1000000 tokens/s, burst 1000000 (defaults 100/200, 5/20, 10/30)";

    public string Name => "gateway-overhead";

    public string Description => $"GET api/catalog/products/{{id}} over {Rotation} warm products direct vs through the gateway, ratio gateway/direct RPS (goal ≥ 0.7; self-hosted only)";

    public IReadOnlyDictionary<string, string> AppHostSettings => LiftedRateLimits;

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = context.Platform
            ?? throw new InvalidOperationException("gateway-overhead needs the self-hosted platform: with --target the catalog itself is not reachable.");
        var direct = context.CreateClient("catalog");
        var gateway = context.CreateClient("gateway");

        await DemoCatalog.SeedAsync(direct, context.Identity, cancellationToken);
        var products = await DemoCatalog.ProductsAsync(direct, Rotation, cancellationToken);
        // The seed's change events keep Search and Inventory busy for a while; the two loads must see the same machine.
        var search = context.CreateClient("search");
        await DemoCatalog.WaitForSearchTotalAsync(search, DemoCatalog.SeededProducts, TimeSpan.FromMinutes(5), cancellationToken);
        await DemoCatalog.WaitUntilSearchSettledAsync(search, TimeSpan.FromMinutes(5), cancellationToken);
        // Demo stock events keep Search and Catalog busy after the index settled; both loads must see the same idle box.
        var quiet = await MachineQuiet.WaitAsync(maxBusyShare: 0.25, TimeSpan.FromMinutes(6), cancellationToken);
        context.Metrics["waited_for_quiet_s"] = Math.Round(quiet.TotalSeconds, 1);
        foreach (var (id, _) in products)
        {
            foreach (var client in new[] { direct, gateway })
            {
                using var warm = await client.GetAsync($"api/catalog/products/{id}", cancellationToken);
                await DemoCatalog.EnsureSuccessAsync(warm, $"Product page {id} via {client.BaseAddress}", cancellationToken);
            }
        }

        LoadStep page = async (client, ct) =>
        {
            var (id, _) = products[Random.Shared.Next(products.Count)];
            using var response = await client.GetAsync($"api/catalog/products/{id}", ct);
            return response.IsSuccessStatusCode;
        };

        // A, B, B, A: each target gets half the window in two rounds, so a drift of the machine's load over the run
        // (background indexing winding down, other work on a shared box) weighs on both alike. Only the first round of
        // each target gets the full warm-up; the second one, a short settle.
        var half = context.Options with { Duration = context.Options.Duration / 2 };
        var settle = half with { Warmup = TimeSpan.FromSeconds(Math.Min(2, context.Options.Warmup.TotalSeconds)) };
        var rounds = new List<(string Target, LoadResult Result)>();
        var pids = Measured.ToDictionary(name => name, name => ResourceCpu.Pid(platform, name));
        var cpu = new Dictionary<string, double>();
        foreach (var (target, client, options) in new[] { ("direct", direct, half), ("gateway", gateway, half), ("gateway", gateway, settle), ("direct", direct, settle) })
        {
            var cpuInWindow = CpuInWindowAsync(pids, options, cancellationToken);
            var round = await context.RunLoadAsync($"{Name}:{target}", client, page, cancellationToken, options);
            Console.WriteLine(round.Summary($"  {target} round"));
            rounds.Add((target, round));
            foreach (var (resource, seconds) in await cpuInWindow)
            {
                var key = $"{target}:{resource}";
                cpu[key] = cpu.GetValueOrDefault(key) + seconds;
            }
        }

        var directResult = LoadResult.Combine(rounds.Where(r => r.Target == "direct").Select(r => r.Result).ToList());
        var gatewayResult = LoadResult.Combine(rounds.Where(r => r.Target == "gateway").Select(r => r.Result).ToList());
        Console.WriteLine(directResult.Summary("direct to catalog"));
        Console.WriteLine(gatewayResult.Summary("through the gateway"));

        // CPU per successful request in the measured windows: what each hop costs on this box (null-safe: best effort).
        var cpuPerRequest = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, seconds) in cpu)
        {
            var succeeded = key.StartsWith("direct", StringComparison.Ordinal) ? directResult.Requests - directResult.Errors : gatewayResult.Requests - gatewayResult.Errors;
            if (succeeded > 0)
            {
                cpuPerRequest[key.Replace(':', '_') + "_ms"] = Math.Round(seconds * 1000 / succeeded, 3);
            }
        }

        context.Metrics["cpu_ms_per_request"] = cpuPerRequest;
        Console.WriteLine($"CPU ms per request: {cpuPerRequest.ToJsonString()}");
        var ratio = directResult.Rps > 0 ? gatewayResult.Rps / directResult.Rps : 0;
        context.Metrics["products_in_rotation"] = products.Count;
        context.Metrics["order"] = "direct, gateway, gateway, direct: half the duration each (first round of each after the full warm-up, second after 2 s)";
        context.Metrics["rounds_rps"] = new System.Text.Json.Nodes.JsonArray(rounds.Select(r => (System.Text.Json.Nodes.JsonNode?)$"{r.Target} {r.Result.Rps:0.0}").ToArray());
        context.Metrics["direct"] = directResult.ToJson();
        context.Metrics["gateway"] = gatewayResult.ToJson();
        context.Metrics["gateway_rate_limits"] = LiftedRateLimitsText;
        context.Metrics["ratio_gateway_to_direct_rps"] = Math.Round(ratio, 3);
        context.Metrics["added_p50_ms"] = Math.Round(gatewayResult.P50Ms - directResult.P50Ms, 2);
        context.Metrics["added_p99_ms"] = Math.Round(gatewayResult.P99Ms - directResult.P99Ms, 2);
        context.Metrics["goal_ratio"] = 0.7;
        context.Metrics["goal_met"] = ratio >= 0.7;
        Console.WriteLine($"ratio gateway/direct {ratio:0.000}");
        return gatewayResult;
    }

    /// <summary>CPU seconds each resource's process tree used during the load's measured window (after its warm-up).</summary>
    private static async Task<Dictionary<string, double>> CpuInWindowAsync(Dictionary<string, int?> pids, LoadOptions options, CancellationToken cancellationToken)
    {
        await Task.Delay(options.Warmup, cancellationToken);
        var before = Sample(pids);
        await Task.Delay(options.Duration, cancellationToken);
        var after = Sample(pids);
        return before.Keys
            .Where(name => before[name] is not null && after[name] is not null)
            .ToDictionary(name => name, name => after[name]!.Value - before[name]!.Value);
    }

    /// <summary>Each resource's tree, the bench process (load generator and in-process AppHost) and the whole machine.</summary>
    private static Dictionary<string, double?> Sample(Dictionary<string, int?> pids)
    {
        var sample = pids.ToDictionary(p => p.Key, p => ResourceCpu.Seconds(p.Value));
        sample["bench"] = ResourceCpu.OwnSeconds();
        sample["machine"] = ResourceCpu.MachineSeconds();
        return sample;
    }
}
