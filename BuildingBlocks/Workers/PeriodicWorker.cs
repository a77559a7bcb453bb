using System.Diagnostics;
using AspireShop.ServiceDefaults.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireShop.BuildingBlocks.Workers;

/// <summary>
/// A background worker that works in rounds on a timer, the same way everywhere: a round that took a full batch runs
/// again at once (a backlog drains without waiting for ticks), a failed round is logged and retried at the next tick,
/// and every round is metered by worker name (<see cref="WorkerTelemetry"/>). Each round claims its own items (SKIP
/// LOCKED, or a claim with a lease), so several instances share the work and never do the same item at once.
/// </summary>
public abstract partial class PeriodicWorker(string name, TimeProvider clock, ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger(name);

    /// <summary>The clock the timer ticks on: the derived worker's "now" comes from it too.</summary>
    protected TimeProvider Clock { get; } = clock;

    protected abstract TimeSpan Interval { get; }

    protected abstract int BatchSize { get; }

    /// <summary>One round: claims what is due and works on it; returns how many items it took.</summary>
    protected abstract Task<int> RunRoundAsync(CancellationToken cancellationToken);

    protected void RecordLag(TimeSpan lag) => WorkerTelemetry.Lag(name, lag);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Clock);
        while (await WaitAsync(timer, stoppingToken))
        {
            try
            {
                int taken;
                do
                {
                    var started = Stopwatch.GetTimestamp();
                    taken = await RunRoundAsync(stoppingToken);
                    WorkerTelemetry.Round(name, taken, Stopwatch.GetElapsedTime(started));
                }
                while (taken >= BatchSize && !stoppingToken.IsCancellationRequested);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                WorkerTelemetry.RoundFailed(name);
                LogRoundFailed(ex, name);
            }
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Worker} round failed; the next tick retries")]
    private partial void LogRoundFailed(Exception exception, string worker);
}
