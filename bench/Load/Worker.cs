using System.Diagnostics;

namespace AspireShop.Bench.Load;

/// <summary>
/// One closed-loop client: sends the next request as soon as the last one finished. Its tallies are its own (no
/// locks on the hot path) and are merged only once all workers stopped.
/// </summary>
public sealed class Worker(HttpClient client, LoadStep step, LoadWindow window, LoadCounters counters, Action<string, Exception> onFirstError)
{
    private readonly List<long> _latencies = new(capacity: 4096);

    public IReadOnlyList<long> Latencies => _latencies;

    public Dictionary<string, long> ErrorKinds { get; } = [];

    public long Requests { get; private set; }

    public long Errors { get; private set; }

    public async Task RunAsync(CancellationToken abort)
    {
        while (Stopwatch.GetTimestamp() < window.Until)
        {
            var started = Stopwatch.GetTimestamp();
            string? failure;
            try
            {
                failure = await step(client, abort) ? null : "unsuccessful";
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                return;
            }
            catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
            {
                failure = "timeout";
                onFirstError(failure, ex);
            }
            catch (Exception ex)
            {
                failure = ex.GetType().Name;
                onFirstError(failure, ex);
            }

            var ended = Stopwatch.GetTimestamp();
            var measured = window.Contains(ended);
            counters.Record(failure is null, measured);
            if (measured)
            {
                Tally(failure, ended - started);
            }
        }
    }

    private void Tally(string? failure, long elapsedTicks)
    {
        Requests++;
        if (failure is null)
        {
            _latencies.Add(elapsedTicks);
            return;
        }

        Errors++;
        ErrorKinds[failure] = ErrorKinds.GetValueOrDefault(failure) + 1;
    }
}
