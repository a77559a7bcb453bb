using AspireShop.Infrastructure.PaymentProvider.Apis;

namespace AspireShop.Infrastructure.PaymentProvider.Testing;

/// <summary>
/// The fault switches (in memory: a restart clears them). A mode with a count is used up one POST at a time, only by
/// the requests it acts on: a replayed idempotent answer takes nothing, so a retry after an injected failure sees the
/// stored outcome.
/// </summary>
public sealed class Faults
{
    private readonly Lock _lock = new();
    private FaultSettings _current = FaultSettings.None;

    public FaultSettings Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public WebhookMode Webhooks => Current.Webhooks;

    public TimeSpan Latency => TimeSpan.FromMilliseconds(Current.LatencyMs);

    public void Set(FaultSettings settings)
    {
        lock (_lock)
        {
            _current = settings.Mode == FaultMode.None ? settings with { Count = null } : settings;
        }
    }

    public void Clear() => Set(FaultSettings.None);

    /// <summary>Whether this POST is refused with 429 (before anything else happens), and for how long.</summary>
    public bool TryTakeRateLimit(out int retryAfterSeconds)
    {
        lock (_lock)
        {
            retryAfterSeconds = _current.RetryAfterS;
            return TryTake(mode => mode == FaultMode.RateLimit);
        }
    }

    /// <summary>The fault that applies to a request about to execute (a charge, or a refund if not <paramref name="charge"/>).</summary>
    public FaultMode TakeForExecution(bool charge)
    {
        lock (_lock)
        {
            var mode = _current.Mode;
            return TryTake(m => m is FaultMode.ErrorBeforeCommit or FaultMode.ErrorAfterCommit or FaultMode.ResetAfterCommit || (charge && m == FaultMode.DeclineAll))
                ? mode
                : FaultMode.None;
        }
    }

    private bool TryTake(Func<FaultMode, bool> applies)
    {
        if (!applies(_current.Mode))
        {
            return false;
        }

        if (_current.Count is { } remaining)
        {
            _current = remaining <= 1 ? _current with { Mode = FaultMode.None, Count = null } : _current with { Count = remaining - 1 };
        }

        return true;
    }
}
