using AspireShop.Infrastructure.PaymentProvider.Apis;

namespace AspireShop.Infrastructure.PaymentProvider.Testing;

/// <summary>API calls in flight now and at most since the last reset: how a test sees a client's bulkhead.</summary>
public sealed class TrafficStats
{
    private long _requests;
    private int _inFlight;
    private int _maxInFlight;

    public void Enter()
    {
        Interlocked.Increment(ref _requests);
        var now = Interlocked.Increment(ref _inFlight);
        var max = Volatile.Read(ref _maxInFlight);
        while (now > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxInFlight, now, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    public StatsObject Snapshot() => new(Interlocked.Read(ref _requests), Volatile.Read(ref _inFlight), Volatile.Read(ref _maxInFlight));

    /// <summary>Starts counting afresh; calls still running keep counting as in flight.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _maxInFlight, Volatile.Read(ref _inFlight));
    }
}
