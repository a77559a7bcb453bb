using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;

namespace AspireShop.Bench.Scenarios;

/// <summary>One phase's tallies; only what happens inside its measured window counts toward its figures.</summary>
public sealed class CheckoutPhase(string name, LoadOptions options)
{
    private readonly ConcurrentQueue<long> _accepted = new();
    private readonly ConcurrentQueue<long> _replays = new();
    private readonly ConcurrentQueue<long> _lateness = new();
    private readonly ConcurrentDictionary<string, long> _errors = new();
    private readonly ConcurrentDictionary<string, long> _resends = new();
    private readonly ConcurrentDictionary<string, long> _waits = new();
    private long _newOrders;
    private long _measuredNewOrders;
    private long _acceptedAll;
    private long _failedAll;
    private long _overtaken;

    public string Name => name;

    public LoadOptions Options => options;

    public LoadWindow Window { get; } = LoadWindow.StartingNow(options);

    /// <summary>The bench's wall clock at <see cref="LoadWindow.From"/>, to compare with the server's timestamps.</summary>
    public DateTimeOffset WallFrom { get; } = DateTimeOffset.UtcNow + options.Warmup;

    public ConcurrentQueue<CheckoutOrder> Orders { get; } = new();

    public int NotAtRest { get; set; }

    public long NewOrders => Interlocked.Read(ref _newOrders);

    public long AcceptedAll => Interlocked.Read(ref _acceptedAll);

    public long FailedAll => Interlocked.Read(ref _failedAll);

    public void Placing(bool measured)
    {
        Interlocked.Increment(ref _newOrders);
        if (measured)
        {
            Interlocked.Increment(ref _measuredNewOrders);
        }
    }

    /// <param name="measured">Sent inside the window.</param>
    /// <param name="ticks">The 202's latency; null when it is not a placement's (the POST was overtaken by its own resend).</param>
    public void Accepted(bool measured, long? ticks)
    {
        Interlocked.Increment(ref _acceptedAll);
        if (measured && ticks is { } latency)
        {
            _accepted.Enqueue(latency);
        }
    }

    /// <summary>A new order that got no 202 (the cart add or the POST failed).</summary>
    public void Failed(bool measured, string kind, bool counted)
    {
        Interlocked.Increment(ref _failedAll);
        if (measured)
        {
            _errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
            if (!counted)
            {
                // Failed before its POST: still an arrival of the window, so the error rate is over every arrival.
                Interlocked.Increment(ref _measuredNewOrders);
            }
        }
    }

    /// <param name="outcome">What the resend got (counted in warm-up too).</param>
    /// <param name="replayTicks">A 202's latency when sent inside the window.</param>
    public void Resent(string outcome, long? replayTicks)
    {
        _resends.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        if (replayTicks is { } ticks)
        {
            _replays.Enqueue(ticks);
        }
    }

    /// <summary>Waits until a Stopwatch timestamp; at once when it has passed.</summary>
    public static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }

    /// <summary>How late a measured open-loop send left against its schedule.</summary>
    public void Late(long ticks) => _lateness.Enqueue(ticks);

    public void Overtaken() => Interlocked.Increment(ref _overtaken);

    /// <summary>Whether the open loop sent at its rate: enough sends in the window, none much later than scheduled.</summary>
    public bool ScheduleHeld(double perSecond, double toleranceMs) =>
        Interlocked.Read(ref _measuredNewOrders) >= 0.98 * perSecond * options.Duration.TotalSeconds
        && new Percentiles([_lateness.ToArray()]).Milliseconds(0.99) <= toleranceMs;

    public void Waited(string what) => _waits.AddOrUpdate(what, 1, (_, n) => n + 1);

    public LoadResult ToLoadResult()
    {
        var latencies = _accepted.ToArray();
        var percentiles = new Percentiles([latencies]);
        return new LoadResult(
            Interlocked.Read(ref _measuredNewOrders),
            _errors.Values.Sum(),
            options.Duration,
            percentiles.Milliseconds(0.50),
            percentiles.Milliseconds(0.95),
            percentiles.Milliseconds(0.99),
            _errors.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value))
        {
            LatencyTicks = latencies,
        };
    }

    public JsonObject ToJson(CheckoutOrders orders)
    {
        var accepted = ToLoadResult();
        var replays = new Percentiles([_replays.ToArray()]);
        var lateness = new Percentiles([_lateness.ToArray()]);
        var json = new JsonObject
        {
            ["warmup_s"] = options.Warmup.TotalSeconds,
            ["window_s"] = options.Duration.TotalSeconds,
            ["new_orders_sent_in_window"] = accepted.Requests,
            ["sent_per_s"] = Math.Round(accepted.Requests / options.Duration.TotalSeconds, 1),
            ["accepted_per_s"] = Math.Round(accepted.Rps, 1),
            ["first_posts_overtaken_by_their_resend"] = Interlocked.Read(ref _overtaken),
            ["accepted"] = accepted.ToJson(),
            ["new_orders_incl_warmup"] = NewOrders,
            ["accepted_incl_warmup"] = AcceptedAll,
            ["failed_incl_warmup"] = FailedAll,
            ["resends"] = OrderBench.Counts(_resends),
            ["resend_202_p50_ms"] = replays.Milliseconds(0.50),
            ["resend_202_p99_ms"] = replays.Milliseconds(0.99),
            ["waits"] = OrderBench.Counts(_waits),
            ["not_at_rest_after_drain"] = NotAtRest,
            ["orders_followed"] = Orders.Count,
            ["orders_in_flight_at_end"] = orders.PendingCount,
        };
        if (!_lateness.IsEmpty)
        {
            json["send_lateness_p50_ms"] = lateness.Milliseconds(0.50);
            json["send_lateness_p99_ms"] = lateness.Milliseconds(0.99);
            json["send_lateness_max_ms"] = lateness.Milliseconds(1);
        }

        return json;
    }
}

/// <summary>A line every 5 s while a phase runs (plain lines: they stay readable in logs).</summary>
public sealed class CheckoutProgress : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="phase">The phase.</param>
    /// <param name="orders">The orders followed.</param>
    /// <param name="faults">The provider's faults, when on: served and set are added to each line.</param>
    public CheckoutProgress(CheckoutPhase phase, CheckoutOrders orders, FaultRotation? faults = null) => _loop = LoopAsync(phase, orders, faults, _stop.Token);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private static async Task LoopAsync(CheckoutPhase phase, CheckoutOrders orders, FaultRotation? faults, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = Stopwatch.GetTimestamp();
                var stage = now < phase.Window.From ? "warm-up" : now <= phase.Window.Until ? "measure" : "drain";
                var elapsed = Stopwatch.GetElapsedTime(phase.Window.Started, now).TotalSeconds;
                var confirmed = phase.Orders.Count(o => o.Status == CheckoutOrder.Confirmed);
                var line =
                    $"[checkout:{phase.Name}] {stage} {elapsed,4:0}s  orders {phase.NewOrders,7:N0}  accepted {phase.AcceptedAll,7:N0}  " +
                    $"confirmed {confirmed,7:N0}  pending {orders.PendingCount,5:N0}  free buyers {orders.FreeBuyers,4}  failed {phase.FailedAll:N0}";
                Console.WriteLine(faults is null
                    ? line
                    : $"{line}  orders failed {phase.Orders.Count(o => o.AtRest && o.Status != CheckoutOrder.Confirmed):N0}  faults {faults.Served}/{faults.Set}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
