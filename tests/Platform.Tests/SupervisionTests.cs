using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AspireShop.Platform.Tests;

/// <summary>
/// The AppHost as a process supervisor: what crashes comes back on its own (with backoff, shown on the dashboard), and
/// what someone stopped stays stopped.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SupervisionTests(PlatformFixture platform, ITestOutputHelper output)
{
    [Fact]
    public async Task ACrashedRelayServiceOrRedisIsStartedAgainAndAStoppedOneStaysStopped()
    {
        foreach (var resource in new[] { "cdc", "cart", "redis" })
        {
            var before = Pid(resource);
            var started = Stopwatch.GetTimestamp();
            KillTree(before);
            await Poll.UntilAsync(
                () => Task.FromResult(Pid(resource)),
                pid => pid is not null && pid != before,
                TimeSpan.FromSeconds(60),
                _ => $"{resource} was not started again after SIGKILL:\n{platform.Logs.Recent(resource)}");
            using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await platform.WaitHealthyAsync(resource, healthy.Token);
            output.WriteLine($"{resource}: killed, back and healthy after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
            Assert.Contains("restart 1", platform.Logs.Recent(resource, lines: 400), StringComparison.Ordinal);
        }

        // The relay that came back still carries edits to search.
        using var seller = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        var word = $"supervised{Guid.NewGuid():N}"[..20];
        using (var created = await seller.PostAsJsonAsync("/api/catalog/products", CatalogToSearchTests.Product($"Back again {word}")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var shopper = platform.CreateHttpClient("gateway");
        await Poll.UntilAsync(
            () => shopper.GetStringAsync($"/api/search/products?q={word}"),
            body => body.Contains(word, StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            body => $"the edit did not reach search: {body}");

        // Stopped on purpose (the dashboard's Stop): left alone until started again.
        var commands = platform.App.Services.GetRequiredService<ResourceCommandService>();
        Assert.True((await commands.ExecuteCommandAsync("cart", KnownResourceCommands.StopCommand)).Success);
        await Poll.UntilAsync(
            () => Task.FromResult(platform.Logs.Recent("cart", lines: 400)),
            logs => logs.Contains("stays stopped", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            logs => $"the supervisor did not decide about the stopped cart:\n{logs}");
        Assert.True(platform.App.ResourceNotifications.TryGetCurrentState("cart", out var stopped));
        Assert.Equal((KnownResourceStates.Finished, 0), (stopped.Snapshot.State?.Text, stopped.Snapshot.ExitCode));
        Assert.True((await commands.ExecuteCommandAsync("cart", KnownResourceCommands.StartCommand)).Success);
        using var back = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await platform.WaitHealthyAsync("cart", back.Token);
    }

    private int? Pid(string resource) =>
        platform.App.ResourceNotifications.TryGetCurrentState(resource, out var state)
        && state.Snapshot.State?.Text == KnownResourceStates.Running
        && state.Snapshot.Properties.FirstOrDefault(p => p.Name.EndsWith(".pid", StringComparison.OrdinalIgnoreCase))?.Value is { } value
        && int.TryParse(value.ToString(), CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;

    /// <summary>SIGKILL to the process and everything under it (a project runs under a `dotnet run` wrapper), children first.</summary>
    private static void KillTree(int? pid)
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
}
