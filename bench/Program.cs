using System.Runtime.InteropServices;
using AspireShop.Bench;
using AspireShop.Bench.Cli;

using var interrupted = new CancellationTokenSource();

// The first Ctrl+C (or SIGTERM) stops the run and the platform cleanly; a second one falls through and kills the process.
void Interrupt(PosixSignalContext signal)
{
    if (!interrupted.IsCancellationRequested)
    {
        signal.Cancel = true;
        Console.Error.WriteLine($"{Environment.NewLine}bench: {signal.Signal} received, stopping (again to kill)");
        interrupted.Cancel();
    }
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (UsageException ex)
{
    var writer = ex.Error is null ? Console.Out : Console.Error;
    Usage.Write(writer);
    if (ex.Error is not null)
    {
        writer.WriteLine();
        writer.WriteLine($"bench: {ex.Error}");
    }

    return 2;
}

return await BenchRun.ExecuteAsync(options, interrupted.Token);
