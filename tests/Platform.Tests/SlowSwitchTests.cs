using Aspire.Hosting.ApplicationModel;
using AspireShop.AppHost.Infrastructure;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.Platform.Tests;

/// <summary>The dashboard's "Slow down" on Inventory, pressed as the dashboard presses it: frozen in turns, then normal again.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SlowSwitchTests(PlatformFixture platform)
{
    private const string Inventory = "inventory";

    [Fact]
    public async Task SlowDownFreezesInventoryInTurnsAndRunNormallyEndsIt()
    {
        var commands = platform.App.Services.GetRequiredService<ResourceCommandService>();
        var pid = ResourceProcesses.Pid(platform, Inventory);
        Assert.NotNull(pid);
        try
        {
            Assert.True((await commands.ExecuteCommandAsync(Inventory, SlowSwitchExtensions.SlowCommand)).Success);
            await Poll.UntilAsync(
                () => Task.FromResult(ProcessTree.Of(pid.Value).Any(p => State(p) == 'T')),
                frozen => frozen,
                TimeSpan.FromSeconds(10),
                _ => "inventory was never seen frozen",
                TimeSpan.FromMilliseconds(20));
        }
        finally
        {
            Assert.True((await commands.ExecuteCommandAsync(Inventory, SlowSwitchExtensions.NormalCommand)).Success);
        }

        await Poll.UntilAsync(
            () => Task.FromResult(ProcessTree.Of(pid.Value).All(p => State(p) != 'T')),
            running => running,
            TimeSpan.FromSeconds(10),
            _ => "inventory stayed frozen after 'Run normally'");
        using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await platform.WaitHealthyAsync(Inventory, healthy.Token);
    }

    /// <summary>The process state letter from /proc (T: stopped by a signal).</summary>
    private static char State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return '?';
        }
    }
}
