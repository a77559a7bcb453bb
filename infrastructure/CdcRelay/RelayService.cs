namespace AspireShop.Infrastructure.CdcRelay;

/// <summary>Runs one <see cref="CdcRelay"/> per source and restarts a failed one with exponential backoff and jitter.</summary>
public sealed partial class RelayService(IReadOnlyList<CdcSource> sources, string kafkaBootstrapServers, ILoggerFactory loggers) : BackgroundService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(30);

    private readonly CdcRelay?[] _current = new CdcRelay?[sources.Count];

    /// <summary>True once every source's relay is streaming.</summary>
    public bool AllStreaming => _current.All(r => r?.IsStreaming == true);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(sources.Select((source, i) => Task.Run(() => SuperviseAsync(i, source, stoppingToken), CancellationToken.None)));

    private async Task SuperviseAsync(int index, CdcSource source, CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger($"{typeof(CdcRelay).FullName}.{source.Name}");
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var relay = new CdcRelay(source, kafkaBootstrapServers, logger);
            _current[index] = relay;
            var started = DateTimeOffset.UtcNow;
            try
            {
                await relay.RunAsync(stoppingToken);
            }
            catch (Exception e)
            {
                // A run that streamed for a while was healthy: the next failure starts the backoff again.
                failures = DateTimeOffset.UtcNow - started > HealthyRun ? 1 : failures + 1;
                var delay = Backoff(failures);
                LogRestarting(logger, e, source.Name, failures, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, stoppingToken).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }

    private static TimeSpan Backoff(int failures)
    {
        var exponential = Math.Min(MaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, failures - 1));
        return TimeSpan.FromMilliseconds(exponential * (0.5 + Random.Shared.NextDouble()));
    }

    [LoggerMessage(LogLevel.Error, "CDC relay {Source} failed (attempt {Failures}); restarting in {DelayMs} ms")]
    private static partial void LogRestarting(ILogger logger, Exception error, string source, int failures, int delayMs);
}
