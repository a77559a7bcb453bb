using AspireShop.Infrastructure.CdcRelay;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.CdcRelay.Tests;

/// <summary>A fresh database and a unique source name (so unique topics and slot) per test; drops the slot on dispose.</summary>
internal sealed class CdcTestBed : IAsyncDisposable
{
    public const string OutboxDdl =
        """
        CREATE TABLE outbox (id uuid PRIMARY KEY, aggregatetype varchar(255) NOT NULL, aggregateid varchar(255) NOT NULL,
          type varchar(255) NOT NULL, payload jsonb NOT NULL, traceparent varchar(55), tracestate varchar(512),
          created_at timestamptz NOT NULL DEFAULT now())
        """;

    private readonly List<RelayRun> _runs = [];

    private CdcTestBed(InfrastructureFixture infrastructure, string connectionString, string name)
    {
        Infrastructure = infrastructure;
        ConnectionString = connectionString;
        Name = name;
        Database = NpgsqlDataSource.Create(connectionString);
    }

    public InfrastructureFixture Infrastructure { get; }

    public string ConnectionString { get; }

    /// <summary>Source name, topic prefix and (through it) the slot name; unique per test.</summary>
    public string Name { get; }

    public NpgsqlDataSource Database { get; }

    public string DatabaseName => new NpgsqlConnectionStringBuilder(ConnectionString).Database!;

    public static async Task<CdcTestBed> CreateAsync(InfrastructureFixture infrastructure, string ddl)
    {
        var bed = new CdcTestBed(infrastructure, await infrastructure.CreateDatabaseAsync("cdc"), UniqueName("cdc"));
        await bed.ExecuteAsync(ddl);
        return bed;
    }

    public static string UniqueName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 10)];

    public CdcSource Source(params string[] tables) => new() { Name = Name, ConnectionString = ConnectionString, Tables = tables };

    public TopicCollector Collect(string topic) => new(Infrastructure.KafkaBootstrapServers, topic);

    public async Task<RelayRun> StartRelayAsync(CdcSource source)
    {
        var run = await RelayRun.StartAsync(source, Infrastructure.KafkaBootstrapServers);
        _runs.Add(run);
        return run;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The slot's confirmed_flush_lsn as a number (0 if none).</summary>
    public async Task<ulong> ConfirmedFlushAsync(string slot)
    {
        await using var command = Database.CreateCommand("SELECT (confirmed_flush_lsn - '0/0')::bigint FROM pg_replication_slots WHERE slot_name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = slot });
        return await command.ExecuteScalarAsync() is long lsn ? (ulong)lsn : 0;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var run in _runs)
        {
            await run.DisposeAsync();
        }

        // A slot left behind would pin WAL and catalog rows for the rest of the test run.
        var slot = Source().SlotName;
        await Poll.UntilAsync(
            async () =>
            {
                await using var drop = Database.CreateCommand(
                    "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active");
                drop.Parameters.Add(new NpgsqlParameter { Value = slot });
                await drop.ExecuteScalarAsync();
                await using var left = Database.CreateCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1");
                left.Parameters.Add(new NpgsqlParameter { Value = slot });
                return (long)(await left.ExecuteScalarAsync())!;
            },
            left => left == 0,
            TimeSpan.FromSeconds(15),
            _ => $"slot {slot} still active",
            TimeSpan.FromMilliseconds(50));
        await Database.DisposeAsync();
    }
}
