using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using AspireShop.TestKit;

namespace AspireShop.Platform.Tests;

/// <summary>A running resource's process, and killing it the way a crash does.</summary>
public static class ResourceProcesses
{
    /// <summary>The resource's process id while it runs (null while it is down or starting).</summary>
    public static int? Pid(PlatformFixture platform, string resource) =>
        platform.App.ResourceNotifications.TryGetCurrentState(resource, out var state)
        && state.Snapshot.State?.Text == KnownResourceStates.Running
        && state.Snapshot.Properties.FirstOrDefault(p => p.Name.EndsWith(".pid", StringComparison.OrdinalIgnoreCase))?.Value is { } value
        && int.TryParse(value.ToString(), CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;

    /// <summary>SIGKILL to the process and everything under it (a project runs under a `dotnet run` wrapper), children first.</summary>
    public static void KillTree(int? pid)
    {
        Assert.NotNull(pid);
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(directory), out var id))
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    parents[id] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
        }

        var tree = new List<int> { pid!.Value };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        foreach (var id in Enumerable.Reverse(tree))
        {
            using var kill = Process.Start("kill", ["-9", id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    /// <summary>Kills the resource and waits until the supervisor has it running (a new process) and healthy again.</summary>
    public static async Task KillAndWaitForRestartAsync(PlatformFixture platform, string resource, TimeSpan timeout)
    {
        var before = Pid(platform, resource);
        KillTree(before);
        await Poll.UntilAsync(
            () => Task.FromResult(Pid(platform, resource)),
            pid => pid is not null && pid != before,
            timeout,
            _ => $"{resource} was not started again after SIGKILL:\n{platform.Logs.Recent(resource)}");
        using var healthy = new CancellationTokenSource(timeout);
        await platform.WaitHealthyAsync(resource, healthy.Token);
    }
}
