using AspireShop.TestKit;

namespace AspireShop.Bench.Platform;

/// <summary>
/// CPU time (user + system) of a self-hosted resource's process tree, from /proc: on a box where client, gateway and
/// services share the cores, CPU per request says what a hop costs better than RPS alone. Best effort: null when the
/// resource's pid is not published or /proc cannot be read.
/// </summary>
public static class ResourceCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>The process ids of the resource as DCP published them (a project runs under a `dotnet run` wrapper).</summary>
    public static int? Pid(PlatformFixture platform, string resource)
    {
        if (!platform.App.ResourceNotifications.TryGetCurrentState(resource, out var state))
        {
            return null;
        }

        var property = state.Snapshot.Properties.FirstOrDefault(p => p.Name.EndsWith(".pid", StringComparison.OrdinalIgnoreCase));
        return property?.Value is { } value && int.TryParse(value.ToString(), out var pid) ? pid : null;
    }

    /// <summary>Busy CPU seconds of the whole machine so far, every core summed (from /proc/stat).</summary>
    public static double? MachineSeconds() =>
        OperatingSystem.IsLinux() ? MachineQuiet.Read().Busy / TicksPerSecond : null;

    /// <summary>Seconds of CPU used so far by this process alone (the load generator, with the in-process AppHost).</summary>
    public static double? OwnSeconds()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Seconds of CPU used so far by <paramref name="pid"/> and its descendants.</summary>
    public static double? Seconds(int? pid)
    {
        if (pid is null || !OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var stats = new Dictionary<int, (int Parent, long Ticks)>();
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), out var id))
                {
                    continue;
                }

                try
                {
                    var text = File.ReadAllText(Path.Combine(directory, "stat"));
                    // Fields after the parenthesised command name: state, ppid, ... utime is field 14, stime 15 (1-based).
                    var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                    stats[id] = (int.Parse(fields[1]), long.Parse(fields[11]) + long.Parse(fields[12]));
                }
                catch (IOException)
                {
                    // Gone meanwhile.
                }
            }

            var tree = new HashSet<int> { pid.Value };
            for (var grew = true; grew;)
            {
                grew = false;
                foreach (var (id, (parent, _)) in stats)
                {
                    if (tree.Contains(parent) && tree.Add(id))
                    {
                        grew = true;
                    }
                }
            }

            return tree.Sum(id => stats.TryGetValue(id, out var s) ? s.Ticks : 0) / TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
