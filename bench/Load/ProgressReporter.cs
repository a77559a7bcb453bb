using System.Diagnostics;

namespace AspireShop.Bench.Load;

/// <summary>
/// A status line once a second: one line rewritten in place on a terminal, plain lines when output is redirected
/// (so logs and CI output stay readable).
/// </summary>
public sealed class ProgressReporter : IAsyncDisposable
{
    private readonly string _label;
    private readonly LoadOptions _options;
    private readonly LoadWindow _window;
    private readonly LoadCounters _counters;
    private readonly bool _inPlace = !Console.IsOutputRedirected;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _lastCompleted;
    private int _lastLength;

    public ProgressReporter(string label, LoadOptions options, LoadWindow window, LoadCounters counters)
    {
        (_label, _options, _window, _counters) = (label, options, window, counters);
        _loop = LoopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        if (_inPlace && _lastLength > 0)
        {
            Console.WriteLine();
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Write(Line());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Line()
    {
        var now = Stopwatch.GetTimestamp();
        var completed = _counters.Completed;
        var rps = completed - _lastCompleted;
        _lastCompleted = completed;

        var warmingUp = now < _window.From;
        var phase = warmingUp ? "warm-up" : now <= _window.Until ? "measure" : "drain";
        var elapsed = Seconds(now - (warmingUp ? _window.Started : _window.From));
        var total = (warmingUp ? _options.Warmup : _options.Duration).TotalSeconds;
        var requests = warmingUp ? completed : _counters.MeasuredCompleted;
        var errors = warmingUp ? _counters.Failed : _counters.MeasuredFailed;
        return $"[{_label}] {phase} {elapsed,4:0}/{total:0}s  requests {requests,9:N0}  rps {rps,7:N0}  errors {errors:N0}";
    }

    private void Write(string line)
    {
        if (!_inPlace)
        {
            Console.WriteLine(line);
            return;
        }

        Console.Write($"\r{line.PadRight(_lastLength)}");
        _lastLength = line.Length;
    }

    private static double Seconds(long ticks) => LoadWindow.ToMilliseconds(ticks) / 1000;
}
