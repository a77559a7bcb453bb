using System.Diagnostics;
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

    private int? Pid(string resource) => ResourceProcesses.Pid(platform, resource);

    private static void KillTree(int? pid) => ResourceProcesses.KillTree(pid);
}
