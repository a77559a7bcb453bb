using AspireShop.Catalog.Contracts;
using AspireShop.Infrastructure.CdcRelay;
using Npgsql;
using Relay = AspireShop.Infrastructure.CdcRelay.CdcRelay;

namespace AspireShop.TestKit;

/// <summary>
/// The native-mode CDC path for a test's catalog database: a real CdcRelay in-process publishing to
/// <c>&lt;name&gt;.public.&lt;table&gt;</c>, dropping its slot on dispose.
/// </summary>
public sealed class CatalogRelay : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _completion;

    private CatalogRelay(CdcSource source, string kafka)
    {
        Source = source;
        Relay = new Relay(source, kafka);
        _completion = Task.Run(() => Relay.RunAsync(_stop.Token));
    }

    public CdcSource Source { get; }

    public Relay Relay { get; }

    public static async Task<CatalogRelay> StartAsync(string name, string connectionString, string kafka)
    {
        var relay = new CatalogRelay(
            new CdcSource { Name = name, ConnectionString = connectionString, Tables = [$"public.{CatalogTables.Products.Table}", $"public.{CatalogTables.Skus.Table}", $"public.{CatalogTables.Offers.Table}"] },
            kafka);
        await Poll.UntilAsync(
            () => Task.FromResult(relay.Relay.IsStreaming || relay._completion.IsCompleted),
            ready => ready,
            TimeSpan.FromSeconds(30),
            _ => $"relay {name} not streaming");
        if (relay._completion.IsCompleted)
        {
            await relay._completion;
            throw new InvalidOperationException($"relay {name} stopped before streaming");
        }

        return relay;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _completion.WaitAsync(TimeSpan.FromSeconds(15));
        _stop.Dispose();

        // A slot left behind would pin WAL for the rest of the test run.
        await using var database = NpgsqlDataSource.Create(Source.ConnectionString);
        await Poll.UntilAsync(
            async () =>
            {
                await using var drop = database.CreateCommand(
                    "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active");
                drop.Parameters.Add(new NpgsqlParameter { Value = Source.SlotName });
                await drop.ExecuteScalarAsync();
                await using var left = database.CreateCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1");
                left.Parameters.Add(new NpgsqlParameter { Value = Source.SlotName });
                return (long)(await left.ExecuteScalarAsync())!;
            },
            left => left == 0,
            TimeSpan.FromSeconds(15),
            _ => $"slot {Source.SlotName} still active",
            TimeSpan.FromMilliseconds(50));
    }
}
