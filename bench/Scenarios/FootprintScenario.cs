using System.Globalization;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The memory of the whole running platform, seeded and quiet: PSS (each shared page split between its users, so it
/// adds up), RSS and the number of processes of the AppHost's tree (the bench process hosts the AppHost). Per
/// executable name too, so the big consumers show. Goal: ≤ 3 GiB PSS.
/// </summary>
public sealed class FootprintScenario : IScenario
{
    private const double GoalPssMib = 3 * 1024;

    public string Name => "footprint";

    public string Description => "memory of the whole self-hosted platform, seeded and quiet (pss_mib, rss_mib, processes)";

    public bool Succeeded(LoadResult result) => true;

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        if (context.Platform is null)
        {
            throw new InvalidOperationException("footprint measures the platform this bench starts: run it without --target.");
        }

        await DemoCatalog.SeedAsync(context.CreateClient("catalog"), cancellationToken);
        var quiet = await MachineQuiet.WaitAsync(maxBusyShare: 0.25, TimeSpan.FromMinutes(8), cancellationToken);
        context.Metrics["waited_for_quiet_s"] = Math.Round(quiet.TotalSeconds, 1);

        // DCP detaches from the AppHost, so the platform is found from its resources' pids (each with its children),
        // DCP's own processes and the bench process (which hosts the AppHost), not from this process' children alone.
        var roots = context.Platform.Resources()
            .Select(resource => ResourceCpu.Pid(context.Platform, resource.Name))
            .OfType<int>()
            .Concat(Directory.EnumerateDirectories("/proc")
                .Select(directory => int.TryParse(Path.GetFileName(directory), out var pid) ? pid : 0)
                .Where(pid => pid > 0 && Try(() => File.ReadAllText($"/proc/{pid}/comm").Trim()) is "dcp" or "dcpctrl"))
            .Append(Environment.ProcessId);
        var processes = Tree(roots).Select(Read).OfType<(string Name, long PssKib, long RssKib)>().ToList();
        var pss = processes.Sum(p => p.PssKib) / 1024.0;
        var rss = processes.Sum(p => p.RssKib) / 1024.0;
        context.Headline["pss_mib"] = Math.Round(pss);
        context.Headline["rss_mib"] = Math.Round(rss);
        context.Headline["processes"] = processes.Count;
        context.Metrics["goal_pss_mib"] = GoalPssMib;
        context.Metrics["goal_met"] = pss <= GoalPssMib;
        context.Metrics["pss_mib_by_executable"] = new JsonObject(processes
            .GroupBy(p => p.Name)
            .OrderByDescending(g => g.Sum(p => p.PssKib))
            .Select(g => KeyValuePair.Create($"{g.Key} ×{g.Count()}", (JsonNode?)Math.Round(g.Sum(p => p.PssKib) / 1024.0))));
        Console.WriteLine($"footprint: {pss:F0} MiB PSS, {rss:F0} MiB RSS in {processes.Count} processes (goal ≤ {GoalPssMib} MiB PSS)");
        return new LoadResult(0, 0, TimeSpan.Zero, 0, 0, 0, new Dictionary<string, long>());
    }

    /// <summary><paramref name="roots"/> and every descendant, each once, by parent id from /proc/&lt;pid&gt;/stat.</summary>
    private static List<int> Tree(IEnumerable<int> roots)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Try(() => File.ReadAllText(Path.Combine(directory, "stat"))) is { } stat)
            {
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            }
        }

        var tree = new List<int>();
        var seen = new HashSet<int>();
        foreach (var root in roots.Where(seen.Add))
        {
            tree.Add(root);
        }

        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i] && seen.Add(p.Key)).Select(p => p.Key));
        }

        return tree;
    }

    private static (string Name, long PssKib, long RssKib)? Read(int pid)
    {
        var rollup = Try(() => File.ReadAllLines($"/proc/{pid}/smaps_rollup"));
        var name = Try(() => File.ReadAllText($"/proc/{pid}/comm").Trim());
        if (rollup is null || name is null)
        {
            return null;
        }

        long Field(string field) => rollup
            .Where(line => line.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
            .FirstOrDefault();
        return (name, Field("Pss"), Field("Rss"));
    }

    private static T? Try<T>(Func<T> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended while we looked, or its memory is not ours to read.
            return null;
        }
    }
}
