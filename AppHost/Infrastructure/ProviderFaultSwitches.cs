using System.Net.Http.Headers;
using System.Text;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>
/// Dashboard buttons on the payment provider stand-in (run mode only) that flip its own fault switches
/// (<c>PUT</c>/<c>DELETE /v1/test/faults</c>, see infrastructure/PaymentProvider/README.md), so checkout, the saga and
/// the PaymentReconciler can be watched meeting a misbehaving provider. A switch replaces whatever fault was on.
/// </summary>
public static class ProviderFaultSwitchExtensions
{
    public const string DeclineAllCommand = "provider-decline-all";
    public const string SlowCommand = "provider-slow";
    public const string DropAfterCommitCommand = "provider-drop-after-commit";
    public const string RateLimitCommand = "provider-rate-limit";
    public const string HealthyCommand = "provider-healthy";

    private const string FaultsPath = "/v1/test/faults";

    public static IResourceBuilder<ProjectResource> WithProviderFaultSwitches(
        this IResourceBuilder<ProjectResource> provider, IResourceBuilder<ParameterResource> apiKey)
    {
        // No "count" in any body: the provider then keeps the fault until it is cleared, like a switch.
        Switch(provider, apiKey, DeclineAllCommand, "Provider: decline every card", """{"mode":"decline_all"}""",
            "Every charge is declined (402 card_declined) until 'Provider: healthy'; refunds still work", "Prohibited");
        Switch(provider, apiKey, SlowCommand, "Provider: slow (2 s)", """{"latency_ms":2000}""",
            "Every charge and refund waits 2 s before it is handled, until 'Provider: healthy'", "Timer");
        Switch(provider, apiKey, DropAfterCommitCommand, "Provider: drop responses after commit", """{"mode":"reset_after_commit"}""",
            "Charges and refunds take effect, then the connection is cut without an answer, until 'Provider: healthy'", "PlugDisconnected");
        Switch(provider, apiKey, RateLimitCommand, "Provider: 429 with Retry-After", """{"mode":"rate_limit","retry_after_s":5}""",
            "Every charge and refund is refused with 429 and Retry-After: 5, nothing done, until 'Provider: healthy'", "TopSpeed");
        return provider.WithHttpCommand(
            FaultsPath,
            "Provider: healthy",
            commandName: HealthyCommand,
            commandOptions: Options(apiKey, HttpMethod.Delete, body: null, "Clear every provider fault", "CheckmarkCircle"));
    }

    private static void Switch(
        IResourceBuilder<ProjectResource> provider, IResourceBuilder<ParameterResource> apiKey,
        string commandName, string displayName, string body, string description, string iconName) =>
        provider.WithHttpCommand(
            FaultsPath,
            displayName,
            commandName: commandName,
            commandOptions: Options(apiKey, HttpMethod.Put, body, description, iconName));

    private static HttpCommandOptions Options(
        IResourceBuilder<ParameterResource> apiKey, HttpMethod method, string? body, string description, string iconName) => new()
        {
            Method = method,
            Description = description,
            IconName = iconName,
            // The dashboard shows the provider's answer: the fault settings now in force.
            ResultMode = HttpCommandResultMode.Json,
            PrepareRequest = async context =>
            {
                var key = await apiKey.Resource.GetValueAsync(context.CancellationToken);
                context.Request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                if (body is not null)
                {
                    context.Request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }
            },
        };
}
