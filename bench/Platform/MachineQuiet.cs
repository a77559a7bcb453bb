using System.Diagnostics;

namespace AspireShop.Bench.Platform;

/// <summary>
/// Waits until the whole machine is nearly idle (from /proc/stat): after a seed, Search, Inventory's offer projection
/// and Catalog's availability projection keep the cores busy for minutes, and a latency measured next to them says
/// more about them than about the page.
/// </summary>
public static class MachineQuiet
{
    public static async Task<TimeSpan> WaitAsync(double maxBusyShare, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        if (!OperatingSystem.IsLinux())
        {
            return TimeSpan.Zero;
        }

        var (busy, total) = Read();
        while (waited.Elapsed < timeout)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var (nowBusy, nowTotal) = Read();
            var share = nowTotal == total ? 0 : (double)(nowBusy - busy) / (nowTotal - total);
            (busy, total) = (nowBusy, nowTotal);
            if (share <= maxBusyShare)
            {
                return waited.Elapsed;
            }
        }

        throw new TimeoutException($"The machine stayed busier than {maxBusyShare:P0} for {timeout}.");
    }

    // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal ...
    internal static (long Busy, long Total) Read()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var idle = fields[3] + fields[4];
        var total = fields.Take(8).Sum();
        return (total - idle, total);
    }
}
