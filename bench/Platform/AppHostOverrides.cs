using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireShop.Bench.Platform;

/// <summary>
/// Adjusts the in-process AppHost for a benchmark run:
/// <list type="bullet">
/// <item>a quiet console: otherwise every resource log line (thousands a second under load) is echoed to the bench
/// console, burying the progress line and taking CPU from the system under test;</item>
/// <item>no Ctrl+C handling of its own: the bench owns the signals, so an interrupt stops the run and then the
/// platform in that order instead of cancelling the AppHost under a running start or load.</item>
/// </list>
/// Levels go into the builder's configuration, not environment variables, which every resource would inherit.
/// </summary>
public static class AppHostOverrides
{
    private static readonly Dictionary<string, string?> LogLevels = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Aspire.Hosting.Dcp"] = "Error",
        // Resource output; the fixture still records it and quotes it when a resource fails to start.
        ["Logging:LogLevel:AppHost.Resources"] = "None",
        // Health probes fail by design until each resource is up.
        ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "None",
        // An interrupted start is reported by the bench in one line; the host would add a stack trace.
        ["Logging:LogLevel:Microsoft.Extensions.Hosting"] = "Critical",
    };

    public static void Apply(IDistributedApplicationTestingBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(LogLevels);
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
    }

    private sealed class SignalFreeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
