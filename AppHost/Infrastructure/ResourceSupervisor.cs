using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>
/// What a container orchestrator's restart policy does, for native mode's processes: a service, stand-in or engine
/// that exits with a failure (a crash, SIGKILL, an out-of-memory kill) is started again after a backoff that doubles
/// up to <c>Supervisor:MaxRestartDelay</c> (30 s), with full jitter, and the attempt is written to its console log on the dashboard. A
/// clean exit (the dashboard's Stop, a SIGTERM) is a decision someone made: that resource stays stopped.
/// </summary>
internal sealed partial class ResourceSupervisor(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    IConfiguration configuration,
    ILogger<ResourceSupervisor> logger) : BackgroundService
{
    public const string MaxDelayKey = "Supervisor:MaxRestartDelay";

    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    // A test that crashes a service at one step after another wants it back at once, as a faster orchestrator would.
    private readonly TimeSpan _maxDelay = configuration.GetValue(MaxDelayKey, TimeSpan.FromSeconds(30));

    // A resource that ran this long since its last restart counts as recovered: its next crash starts the backoff over.
    private static readonly TimeSpan Stable = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (int Attempts, DateTimeOffset LastStart)> _restarts = new();
    private readonly ConcurrentDictionary<string, byte> _pending = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var update in notifications.WatchAsync(stoppingToken))
        {
            if (update.Resource is not (ProjectResource or ExecutableResource) || update.Resource.Name.EndsWith("-migrations", StringComparison.Ordinal))
            {
                continue;
            }

            var snapshot = update.Snapshot;
            // DCP reports a process that ended as Finished or Exited, with its exit code (-1 when a signal killed it).
            if (!KnownResourceStates.TerminalStates.Contains(snapshot.State?.Text) || snapshot.ExitCode is not { } exitCode)
            {
                continue;
            }

            var name = update.Resource.Name;
            var console = resourceLogs.GetLogger(update.ResourceId);
            if (exitCode == 0)
            {
                LogLeftStopped(console, name);
                continue;
            }

            if (_pending.TryAdd(name, 0))
            {
                _ = RestartAsync(update.Resource, exitCode, console, stoppingToken);
            }
        }
    }

    private async Task RestartAsync(IResource resource, int exitCode, ILogger console, CancellationToken stoppingToken)
    {
        try
        {
            var now = DateTimeOffset.UtcNow;
            var (attempts, lastStart) = _restarts.GetValueOrDefault(resource.Name);
            attempts = now - lastStart > Stable ? 1 : attempts + 1;
            var ceiling = Math.Min(_maxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, attempts - 1));
            var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
            LogRestarting(console, resource.Name, exitCode, attempts, delay.TotalSeconds);
            LogRestarting(logger, resource.Name, exitCode, attempts, delay.TotalSeconds);
            await Task.Delay(delay, stoppingToken);
            _restarts[resource.Name] = (attempts, DateTimeOffset.UtcNow);
            var result = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, stoppingToken);
            if (!result.Success)
            {
                LogRestartFailed(logger, resource.Name, result.Message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping: nothing is restarted any more.
        }
        finally
        {
            _pending.TryRemove(resource.Name, out _);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Supervisor: {Resource} exited with code {ExitCode}; restart {Attempt} in {DelaySeconds:F1} s")]
    private static partial void LogRestarting(ILogger logger, string resource, int exitCode, int attempt, double delaySeconds);

    [LoggerMessage(LogLevel.Information, "Supervisor: {Resource} stopped cleanly; it stays stopped until someone starts it")]
    private static partial void LogLeftStopped(ILogger logger, string resource);

    [LoggerMessage(LogLevel.Error, "Supervisor: starting {Resource} again failed: {Error}")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string? error);
}

internal static class ResourceSupervisorExtensions
{
    /// <summary>Every process the AppHost runs (services, stand-ins, native engines); containers have their engine's policies.</summary>
    public static void AddResourceSupervisor(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsRunMode)
        {
            builder.Services.AddHostedService<ResourceSupervisor>();
        }
    }
}
