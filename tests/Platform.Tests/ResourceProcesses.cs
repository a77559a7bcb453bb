using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using AspireShop.AppHost.Infrastructure;
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

    /// <summary>SIGKILL to the process and everything under it, as a crash (or the OOM killer) would.</summary>
    public static void KillTree(int? pid)
    {
        Assert.NotNull(pid);
        ProcessTree.Signal(pid.Value, ProcessTree.Kill);
    }

    /// <summary>Kills the resource and waits until the supervisor has it running (a new process) and healthy again.</summary>
    public static async Task KillAndWaitForRestartAsync(PlatformFixture platform, string resource, TimeSpan timeout)
    {
        var before = Pid(platform, resource);
        KillTree(before);
        await WaitForRestartAsync(platform, resource, [before], timeout);
    }

    /// <summary>
    /// Waits until the resource runs again, healthy, with none of the <paramref name="dead"/> processes in its tree (the
    /// <c>dotnet run</c> wrapper a kill took down, or the app a crash point ended), and with its app started under it.
    /// </summary>
    public static async Task WaitForRestartAsync(PlatformFixture platform, string resource, IReadOnlyCollection<int?> dead, TimeSpan timeout)
    {
        await Poll.UntilAsync(
            () => Task.FromResult(Pid(platform, resource) is { } pid ? ProcessTree.Of(pid) : []),
            tree => tree.Count > 1 && !tree.Any(p => dead.Contains(p)),
            timeout,
            _ => $"{resource} was not started again after it died:\n{platform.Logs.Recent(resource)}");
        using var healthy = new CancellationTokenSource(timeout);
        await platform.WaitHealthyAsync(resource, healthy.Token);
    }
}
