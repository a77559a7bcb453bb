namespace AspireShop.Bench.Load;

/// <summary>Live totals for the progress line; the report is built from the workers' own tallies instead.</summary>
public sealed class LoadCounters
{
    private long _completed;
    private long _failed;
    private long _measuredCompleted;
    private long _measuredFailed;

    public long Completed => Interlocked.Read(ref _completed);

    public long Failed => Interlocked.Read(ref _failed);

    public long MeasuredCompleted => Interlocked.Read(ref _measuredCompleted);

    public long MeasuredFailed => Interlocked.Read(ref _measuredFailed);

    public void Record(bool succeeded, bool measured)
    {
        Interlocked.Increment(ref _completed);
        if (!succeeded)
        {
            Interlocked.Increment(ref _failed);
        }

        if (measured)
        {
            Interlocked.Increment(ref _measuredCompleted);
            if (!succeeded)
            {
                Interlocked.Increment(ref _measuredFailed);
            }
        }
    }
}
