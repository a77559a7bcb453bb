using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.AppHost.Infrastructure;
using AspireShop.TestKit;

namespace AspireShop.Platform.Tests;

/// <summary>
/// The dashboard's fault switches on the payment provider stand-in (issue 14), pressed as the dashboard presses them:
/// through Aspire's resource commands. Each one leaves the provider reporting its fault, with no count to use up, until
/// "Provider: healthy" clears it.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ProviderFaultSwitchTests(PlatformFixture platform)
{
    private const string Provider = "payment-provider";

    public static TheoryData<string, string, int, int> Switches => new()
    {
        { ProviderFaultSwitchExtensions.DeclineAllCommand, "decline_all", 0, 1 },
        { ProviderFaultSwitchExtensions.SlowCommand, "none", 2000, 1 },
        { ProviderFaultSwitchExtensions.DropAfterCommitCommand, "reset_after_commit", 0, 1 },
        { ProviderFaultSwitchExtensions.RateLimitCommand, "rate_limit", 0, 5 },
    };

    [Theory]
    [MemberData(nameof(Switches))]
    public async Task ASwitchHoldsItsFaultUntilHealthyClearsIt(string command, string mode, int latencyMs, int retryAfterS)
    {
        using var provider = await Checkout.ProviderAsync(platform);
        try
        {
            await PressAsync(command);
            await UntilFaultsAsync(provider, mode, latencyMs, retryAfterS);

            await PressAsync(ProviderFaultSwitchExtensions.HealthyCommand);
            await UntilFaultsAsync(provider, "none", latencyMs: 0, retryAfterS: 1);
        }
        finally
        {
            // Whatever happened above, the tests after this one meet a healthy provider.
            using var cleared = await provider.DeleteAsync(new Uri("/v1/test/faults", UriKind.Relative));
            cleared.EnsureSuccessStatusCode();
        }
    }

    private async Task PressAsync(string command)
    {
        var result = await platform.App.ResourceCommands.ExecuteCommandAsync(Provider, command);
        Assert.True(result.Success, $"{command}: {result.Message}");
    }

    private static Task<JsonObject> UntilFaultsAsync(HttpClient provider, string mode, int latencyMs, int retryAfterS) =>
        Poll.UntilAsync(
            async () => (await provider.GetFromJsonAsync<JsonObject>("/v1/test/faults"))!,
            faults => faults["mode"]!.GetValue<string>() == mode
                && faults["latency_ms"]!.GetValue<int>() == latencyMs
                && faults["retry_after_s"]!.GetValue<int>() == retryAfterS
                // No count: a switch stays on until it is switched off, however many calls it meets.
                && faults["count"] is null
                && faults["webhooks"]!.GetValue<string>() == "normal",
            TimeSpan.FromSeconds(5),
            faults => faults.ToJsonString());
}
