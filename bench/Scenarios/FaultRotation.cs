using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The provider's fault switch, paced by the provider's own traffic: every <c>interval</c> (1 s unless given) its call
/// counter is read, <c>share</c> of the calls since the last read is added to a credit, and once the fault set before is used up,
/// the next of <c>modes</c> is set for as many POSTs as the credit holds (at most <see cref="MaxFaultsPerSwitch"/>). So
/// about that share of calls meets a fault, spread out rather than in bursts, and faults do not pile up while nothing
/// calls (a client's open breaker would otherwise meet one on every probe). The faults served are read back from the
/// switch, not assumed; a provider restart clears a pending one (counted unknown).
/// </summary>
/// <param name="provider">The provider stand-in.</param>
/// <param name="modes">The fault modes, set in turn.</param>
/// <param name="share">The share of provider calls to fault.</param>
/// <param name="latencyMs">The provider's latency, sent with every switch (a PUT replaces the whole switch).</param>
/// <param name="providerPid">The provider's pid while it runs: a new one means a new process.</param>
/// <param name="clock">The run's clock, for the counter samples.</param>
/// <param name="interval">How often the counter is read; at most <see cref="MaxFaultsPerSwitch"/> faults are set per read, so a busier provider needs shorter.</param>
public sealed class FaultRotation(
    ChaosProvider provider, IReadOnlyList<string> modes, double share, int latencyMs, Func<int?> providerPid, Stopwatch clock, TimeSpan? interval = null)
    : IDisposable
{
    /// <summary>The modes a client recovers from by retrying (the chaos soak's): nothing about them may fail an order.</summary>
    public static readonly IReadOnlyList<string> RecoverableModes = ["error_after_commit", "reset_after_commit", "error_before_commit", "rate_limit"];

    private const int MaxFaultsPerSwitch = 3;
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, (long Set, long Served, long Unknown)> _modes = modes.ToDictionary(m => m, _ => (0L, 0L, 0L), StringComparer.Ordinal);
    private readonly Lock _lock = new();

    // The loop, the stats reset and the final clear each read the counter and the switch, so one at a time.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, long> _problems = new();
    private readonly JsonArray _samples = [];
    private long _lastRequests = -1;
    private int? _lastPid;
    private long _calls;
    private long _restarts;
    private double _credit;
    private (string Mode, int Count, int Counted)? _pending;
    private int _next;
    private long _reads;
    private long _switches;

    public long Set
    {
        get
        {
            lock (_lock)
            {
                return _modes.Values.Sum(m => m.Set);
            }
        }
    }

    public long Served
    {
        get
        {
            lock (_lock)
            {
                return _modes.Values.Sum(m => m.Served);
            }
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            do
            {
                await TickAsync(stop);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Faults off (the latency stays), after counting what the pending one served; retried while the provider restarts.</summary>
    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await SettleAsync(cancellationToken);
                await provider.SetFaultsAsync(null, null, latencyMs, cancellationToken);
                if (_pending is { } pending)
                {
                    // Cleared before it was used up: those were set but never served.
                    lock (_lock)
                    {
                        var tally = _modes[pending.Mode];
                        _modes[pending.Mode] = (tally.Set - (pending.Count - pending.Counted), tally.Served, tally.Unknown);
                    }

                    _pending = null;
                }

                return;
            }
            catch (Exception ex) when (IsProviderProblem(ex, cancellationToken) && attempt < 60)
            {
                Count(ex);
            }
            finally
            {
                _gate.Release();
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>The provider's traffic counters from zero (a measuring window starts) without taking it for a restart.</summary>
    public async Task ResetStatsAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // The calls until now are credited first; the reset's own answer is the counter the next read starts from.
            await SettleAsync(cancellationToken);
            _lastRequests = (await provider.ResetStatsAsync(cancellationToken))["requests"]!.GetValue<long>();
        }
        finally
        {
            _gate.Release();
        }
    }

    public JsonObject ToJson()
    {
        lock (_lock)
        {
            var served = _modes.Values.Sum(m => m.Served);
            return new JsonObject
            {
                ["rotation"] = new JsonArray([.. modes.Select(m => (JsonNode)m)]),
                ["pacing"] = $"every {_interval.TotalSeconds:0.##} s, {share:P0} of the provider's calls since the last read is credited; the next fault (at most {MaxFaultsPerSwitch} POSTs) is set once the last one is used up",
                ["switches"] = _switches,
                ["set"] = _modes.Values.Sum(m => m.Set),
                ["served"] = served,
                ["unknown_cleared_by_a_provider_restart"] = _modes.Values.Sum(m => m.Unknown),
                // The provider's own count of payment API calls (POSTs, and GETs that a fault never applies to) while faulting.
                ["provider_calls"] = _calls,
                ["served_share_of_provider_calls"] = _calls == 0 ? null : Math.Round(served / (double)_calls, 3),
                ["by_mode"] = new JsonObject(_modes.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)new JsonObject
                {
                    ["set"] = m.Value.Set,
                    ["served"] = m.Value.Served,
                    ["unknown"] = m.Value.Unknown,
                }))),
                ["provider_restarts_seen"] = _restarts,
                // Every 5th read: [clock s, the provider's call counter (since its last start or reset), faults served so far].
                ["provider_counter_samples"] = _samples.DeepClone(),
                ["problems"] = OrderBench.Counts(_problems),
            };
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var calls = await SettleAsync(cancellationToken);
            _credit += share * calls;
            if (_pending is not null || _credit < 1)
            {
                return;
            }

            var count = Math.Min(MaxFaultsPerSwitch, (int)Math.Floor(_credit));
            var mode = modes[_next++ % modes.Count];
            await provider.SetFaultsAsync(mode, count, latencyMs, cancellationToken);
            _credit -= count;
            _pending = (mode, count, 0);
            lock (_lock)
            {
                var tally = _modes[mode];
                _modes[mode] = (tally.Set + count, tally.Served, tally.Unknown);
                _switches++;
            }
        }
        catch (Exception ex) when (IsProviderProblem(ex, cancellationToken))
        {
            // Down (killed) or restarting: the next tick tries again.
            Count(ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the provider's call counter and what the pending fault served so far; returns the calls since the last read.</summary>
    private async Task<long> SettleAsync(CancellationToken cancellationToken)
    {
        var requests = await provider.RequestsAsync(cancellationToken);
        // A new process (its counter, fault switch and latency start afresh): its pid changed, or its counter went back.
        var pid = providerPid();
        var restarted = requests < _lastRequests || (pid is not null && _lastPid is not null && pid != _lastPid);
        var calls = _lastRequests < 0 ? 0 : restarted ? requests : requests - _lastRequests;
        if (_pending is { } pending)
        {
            if (restarted)
            {
                // The restart cleared the switch: whatever of it was not counted yet is unknown.
                lock (_lock)
                {
                    var tally = _modes[pending.Mode];
                    _modes[pending.Mode] = (tally.Set, tally.Served, tally.Unknown + pending.Count - pending.Counted);
                }

                _pending = null;
            }
            else
            {
                var current = await provider.FaultsAsync(cancellationToken);
                if (pid is not null && providerPid() != pid)
                {
                    // Restarted between the two reads: the switch read may be the new process's.
                    throw new InvalidOperationException("The provider restarted while its fault switch was read.");
                }

                var remaining = current["mode"]?.GetValue<string>() == pending.Mode && current["count"] is JsonValue left ? left.GetValue<int>() : 0;
                var used = pending.Count - remaining;
                lock (_lock)
                {
                    var tally = _modes[pending.Mode];
                    _modes[pending.Mode] = (tally.Set, tally.Served + used - pending.Counted, tally.Unknown);
                }

                _pending = remaining == 0 ? null : pending with { Counted = used };
            }
        }

        lock (_lock)
        {
            _restarts += restarted ? 1 : 0;
            _calls += calls;
            if (_samples.Count == 0 || restarted || ++_reads % 5 == 0)
            {
                _samples.Add(new JsonArray(Math.Round(clock.Elapsed.TotalSeconds, 1), requests, _modes.Values.Sum(m => m.Served)));
            }
        }

        if (restarted)
        {
            // The new process runs without the latency (and without a fault until the next one is set).
            await provider.SetFaultsAsync(null, null, latencyMs, cancellationToken);
        }

        (_lastRequests, _lastPid) = (requests, pid ?? _lastPid);
        return calls;
    }

    private static bool IsProviderProblem(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException
        || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private void Count(Exception ex) => _problems.AddOrUpdate(ex.GetType().Name, 1, (_, n) => n + 1);
}
