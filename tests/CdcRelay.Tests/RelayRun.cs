using AspireShop.Infrastructure.CdcRelay;
using AspireShop.TestKit;
using Relay = AspireShop.Infrastructure.CdcRelay.CdcRelay;

namespace AspireShop.CdcRelay.Tests;

/// <summary>An in-process relay running in the background until stopped.</summary>
internal sealed class RelayRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private RelayRun(Relay relay)
    {
        Relay = relay;
        Completion = Task.Run(() => relay.RunAsync(_stop.Token));
    }

    public Relay Relay { get; }

    public Task Completion { get; }

    public static async Task<RelayRun> StartAsync(CdcSource source, string kafka)
    {
        var run = new RelayRun(new Relay(source, kafka));
        await Poll.UntilAsync(
            () => Task.FromResult(run.Relay.IsStreaming || run.Completion.IsCompleted),
            ready => ready,
            TimeSpan.FromSeconds(30),
            _ => $"relay {source.Name} not streaming");
        if (run.Completion.IsCompleted)
        {
            await run.Completion;
            throw new InvalidOperationException($"relay {source.Name} stopped before streaming");
        }

        return run;
    }

    /// <summary>Graceful stop, as on SIGTERM: the relay acknowledges what Kafka confirmed, then returns.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Completion.WaitAsync(TimeSpan.FromSeconds(15));
    }

    public async ValueTask DisposeAsync()
    {
        if (!Completion.IsCompleted)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
