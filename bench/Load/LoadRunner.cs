namespace AspireShop.Bench.Load;

/// <summary>A closed-loop load: a fixed number of workers, a warm-up that is not measured, then the measured window.</summary>
public sealed class LoadRunner(HttpClient client, LoadOptions options, string label)
{
    // Requests still in flight when the window closes get this long to finish before they are cancelled.
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(10);

    private int _errorReported;

    public async Task<LoadResult> RunAsync(LoadStep step, CancellationToken cancellationToken)
    {
        var window = LoadWindow.StartingNow(options);
        var counters = new LoadCounters();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, options.Concurrency)
            .Select(_ => new Worker(client, step, window, counters, ReportFirstError))
            .ToArray();

        await using (new ProgressReporter(label, options, window, counters))
        {
            var running = Task.WhenAll(workers.Select(worker => Task.Run(() => worker.RunAsync(abort.Token), CancellationToken.None)));
            try
            {
                await running.WaitAsync(options.Warmup + options.Duration + DrainGrace, cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                await abort.CancelAsync();
                await running;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Summarize(workers, options.Duration);
    }

    private static LoadResult Summarize(Worker[] workers, TimeSpan duration)
    {
        var latencies = new Percentiles(workers.Select(worker => worker.Latencies));
        var errorKinds = workers
            .SelectMany(worker => worker.ErrorKinds)
            .GroupBy(pair => pair.Key, pair => pair.Value)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Sum());

        return new LoadResult(
            workers.Sum(worker => worker.Requests),
            workers.Sum(worker => worker.Errors),
            duration,
            latencies.Milliseconds(0.50),
            latencies.Milliseconds(0.95),
            latencies.Milliseconds(0.99),
            errorKinds)
        {
            LatencyTicks = workers.SelectMany(worker => worker.Latencies).ToArray(),
        };
    }

    private void ReportFirstError(string kind, Exception exception)
    {
        // One sample is enough to diagnose; thousands of identical lines would bury the progress output.
        if (Interlocked.Exchange(ref _errorReported, 1) == 0)
        {
            var messages = string.Join(" -> ", Chain(exception).Select(ex => ex.Message).Distinct());
            Console.Error.WriteLine($"{Environment.NewLine}[{label}] first error ({kind}): {messages}");
        }
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}
