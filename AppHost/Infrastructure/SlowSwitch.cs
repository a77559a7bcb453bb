using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>
/// "Slow down" on a service's dashboard row (run mode only): its process is frozen (SIGSTOP) for 300 ms of every
/// 600 ms until "Run normally", so its callers' timeouts, breakers, bulkheads and the saga's deadlines can be watched
/// reacting. The service knows nothing of it: like a noisy neighbour or a GC storm, the stall comes from outside.
/// </summary>
public static class SlowSwitchExtensions
{
    public const string SlowCommand = "slow-down";
    public const string NormalCommand = "run-normally";

    private static readonly TimeSpan Frozen = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Running = TimeSpan.FromMilliseconds(300);

    public static IResourceBuilder<ProjectResource> WithSlowSwitch(this IResourceBuilder<ProjectResource> service)
    {
        if (!service.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return service;
        }

        var stall = new Stall();
        service.WithCommand(SlowCommand, "Slow down", stall.Start, new CommandOptions
        {
            Description = "Freeze the process 300 ms in every 600 ms until 'Run normally'",
            IconName = "Timer",
            UpdateState = context => stall.IsOn || context.ResourceSnapshot.State?.Text != KnownResourceStates.Running
                ? ResourceCommandState.Disabled
                : ResourceCommandState.Enabled,
        });
        return service.WithCommand(NormalCommand, "Run normally", _ => Task.FromResult(stall.Stop()), new CommandOptions
        {
            Description = "End the stalls started by 'Slow down'",
            IconName = "Play",
            UpdateState = _ => stall.IsOn ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });
    }

    private sealed class Stall
    {
        private CancellationTokenSource? _on;

        public bool IsOn => Volatile.Read(ref _on) is not null;

        public Task<ExecuteCommandResult> Start(ExecuteCommandContext context)
        {
            var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
            if (!notifications.TryGetCurrentState(context.ResourceName, out var state)
                || state.Snapshot.Properties.FirstOrDefault(p => p.Name.EndsWith(".pid", StringComparison.OrdinalIgnoreCase))?.Value is not { } value
                || !int.TryParse(value.ToString(), CultureInfo.InvariantCulture, out var pid))
            {
                return Task.FromResult(CommandResults.Failure("The process is not running."));
            }

            var on = new CancellationTokenSource();
            if (Interlocked.CompareExchange(ref _on, on, null) is not null)
            {
                on.Dispose();
                return Task.FromResult(CommandResults.Success());
            }

            _ = Task.Run(() => LoopAsync(pid, on.Token), CancellationToken.None);
            return Task.FromResult(CommandResults.Success());
        }

        public ExecuteCommandResult Stop()
        {
            // Not disposed: the loop may still be reading its token; it is small and one per switch press.
            Interlocked.Exchange(ref _on, null)?.Cancel();
            return CommandResults.Success();
        }

        private static async Task LoopAsync(int pid, CancellationToken off)
        {
            try
            {
                while (!off.IsCancellationRequested)
                {
                    ProcessTree.Signal(pid, ProcessTree.Stop);
                    // Not cancellable: a frozen process is always continued before the loop looks at the switch again.
                    await Task.Delay(Frozen, CancellationToken.None);
                    ProcessTree.Signal(pid, ProcessTree.Continue);
                    await Task.Delay(Running, off);
                }
            }
            catch (OperationCanceledException)
            {
                // Switched off.
            }
            finally
            {
                ProcessTree.Signal(pid, ProcessTree.Continue);
            }
        }
    }
}
