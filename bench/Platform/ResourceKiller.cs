using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using AspireShop.AppHost.Infrastructure;
using AspireShop.TestKit;

namespace AspireShop.Bench.Platform;

/// <summary>
/// Killing a self-hosted resource the way a crash does and waiting for the supervisor to bring it back: the bench's
/// counterpart of the test suite's <c>ResourceProcesses</c> (which asserts with xUnit); both walk the tree with the
/// AppHost's <c>ProcessTree</c>.
/// </summary>
public static class ResourceKiller
{
    /// <summary>What one kill did: the process before and after, and how long the resource was not healthy.</summary>
    public sealed record Kill(string Resource, int? OldPid, int? NewPid, TimeSpan Down, string? Failure)
    {
        /// <summary>The process tree SIGKILLed (the resource's process first).</summary>
        public IReadOnlyList<int> Killed { get; init; } = [];

        /// <summary>Processes of that tree still alive once the resource was back: a kill that missed something.</summary>
        public IReadOnlyList<int> Survivors { get; init; } = [];
    }

    /// <summary>The resource's process id while it runs (null while it is down or starting).</summary>
    public static int? Pid(PlatformFixture platform, string resource) =>
        platform.App.ResourceNotifications.TryGetCurrentState(resource, out var state)
        && state.Snapshot.State?.Text == KnownResourceStates.Running
        && state.Snapshot.Properties.FirstOrDefault(p => p.Name.EndsWith(".pid", StringComparison.OrdinalIgnoreCase))?.Value is { } value
        && int.TryParse(value.ToString(), CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;

    /// <summary>SIGKILL to the process and everything under it (a project runs under a `dotnet run` wrapper), children first.</summary>
    /// <returns>The processes killed, the root first.</returns>
    public static IReadOnlyList<int> KillTree(int pid)
    {
        var tree = ProcessTree.Of(pid);
        ProcessTree.Signal(pid, ProcessTree.Kill);
        return tree;
    }

    /// <summary>
    /// Kills the resource and waits until the supervisor has it running (a new process) and healthy again. Never throws
    /// for a resource that does not come back: the kill's <see cref="Kill.Failure"/> says so, and the caller decides.
    /// </summary>
    public static async Task<Kill> KillAndWaitForRestartAsync(PlatformFixture platform, string resource, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var before = Pid(platform, resource);
        if (before is not { } pid)
        {
            return new Kill(resource, null, null, TimeSpan.Zero, "not running when its kill was due");
        }

        var down = Stopwatch.StartNew();
        var killed = KillTree(pid);
        int? after = null;
        while (down.Elapsed < timeout)
        {
            after = Pid(platform, resource);
            if (after is not null && after != before)
            {
                break;
            }

            await Task.Delay(200, cancellationToken);
        }

        if (after is null || after == before)
        {
            return new Kill(resource, before, null, down.Elapsed, $"not started again within {timeout.TotalSeconds:0} s:\n{platform.Logs.Recent(resource)}")
            {
                Killed = killed,
                Survivors = Alive(killed),
            };
        }

        using var healthy = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        healthy.CancelAfter(timeout - down.Elapsed > TimeSpan.Zero ? timeout - down.Elapsed : TimeSpan.FromSeconds(1));
        try
        {
            await platform.WaitHealthyAsync(resource, healthy.Token);
        }
        catch (TimeoutException ex)
        {
            // The fixture reports any cancellation as a timeout: an interrupted run is not a resource that stayed down.
            cancellationToken.ThrowIfCancellationRequested();
            return new Kill(resource, before, after, down.Elapsed, ex.Message) { Killed = killed, Survivors = Alive(killed) };
        }

        return new Kill(resource, before, after, down.Elapsed, null) { Killed = killed, Survivors = Alive(killed) };
    }

    private static List<int> Alive(IEnumerable<int> pids) =>
        [.. pids.Where(id => File.Exists($"/proc/{id.ToString(CultureInfo.InvariantCulture)}/stat") && !IsZombie(id))];

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
