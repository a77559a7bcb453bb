using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AspireShop.BuildingBlocks.Tests;

/// <summary>A real consumer host (the same registration services use) against the fixture's broker and Postgres.</summary>
public sealed class ConsumerHarness : IAsyncDisposable
{
    private ConsumerHarness(IHost host, Ledger ledger)
    {
        Host = host;
        Ledger = ledger;
    }

    public IHost Host { get; }

    public Ledger Ledger { get; }

    public static async Task<ConsumerHarness> StartAsync(
        InfrastructureFixture infrastructure, string group, string topic, Ledger ledger, Action<ConsumerOptions>? configure = null, bool batches = false)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
        });
        builder.Logging.ClearProviders();
        builder.AddKafkaClients();
        builder.Services.AddSingleton(ledger);
        void Configure(ConsumerOptions options)
        {
            options.InitialBackoff = TimeSpan.FromMilliseconds(10);
            options.MaxBackoff = TimeSpan.FromMilliseconds(50);
            configure?.Invoke(options);
        }

        if (batches)
        {
            builder.AddEventHandler<LedgerEntry, LedgerBatchHandler>(group, topic, Configure);
        }
        else
        {
            builder.AddEventHandler<LedgerEntry, LedgerHandler>(group, topic, Configure);
        }

        var host = builder.Build();
        await host.StartAsync();
        return new ConsumerHarness(host, ledger);
    }

    public static async Task ProduceAsync(string bootstrap, string topic, IEnumerable<(string Key, string Value, string? Id)> messages)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true }).Build();
        foreach (var (key, value, id) in messages)
        {
            var headers = new Headers();
            if (id is not null)
            {
                headers.Add(ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(id));
            }

            await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = LedgerEntry.Json(value), Headers = headers });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}

/// <summary>
/// What the handler saw and did. Side effects go to Postgres through the inbox, as in a real service, so "applied once"
/// is counted in the database rather than in memory.
/// </summary>
public sealed class Ledger(string connectionString)
{
    private int _concurrent;
    private int _maxConcurrent;

    public string ConnectionString { get; } = connectionString;

    public ConcurrentDictionary<string, int> Attempts { get; } = new();

    public ConcurrentDictionary<string, ActivityTraceId> TraceIds { get; } = new();

    public Func<LedgerEntry, ReceivedMessage, bool> ShouldFail { get; set; } = (_, _) => false;

    public TimeSpan Delay { get; set; }

    /// <summary>How many events each call of a batch handler got.</summary>
    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public static async Task<Ledger> CreateAsync(InfrastructureFixture infrastructure)
    {
        var connectionString = await infrastructure.CreateDatabaseAsync("ledger");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(OutboxSchema.CreateAll + "CREATE TABLE effects (value text NOT NULL);", connection);
        await create.ExecuteNonQueryAsync();
        return new Ledger(connectionString);
    }

    public async Task<Dictionary<string, long>> EffectsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT value, count(*) FROM effects GROUP BY value", connection);
        await using var reader = await query.ExecuteReaderAsync();
        var effects = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            effects[reader.GetString(0)] = reader.GetInt64(1);
        }

        return effects;
    }

    internal void Enter()
    {
        var now = Interlocked.Increment(ref _concurrent);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen)
        {
        }
    }

    internal void Exit() => Interlocked.Decrement(ref _concurrent);
}

/// <summary>The harness' event: what the handler records as its side effect.</summary>
public sealed record LedgerEntry(string Value)
{
    public static string Json(string value) => JsonSerializer.Serialize(new LedgerEntry(value), OutboxEvent.SerializerOptions);
}

public sealed class LedgerHandler(Ledger ledger) : IEventHandler<LedgerEntry>
{
    public async Task HandleAsync(LedgerEntry entry, ReceivedMessage message, CancellationToken cancellationToken)
    {
        var value = entry.Value;
        ledger.Enter();
        try
        {
            ledger.Attempts.AddOrUpdate(value, 1, (_, n) => n + 1);
            if (Activity.Current is { } activity)
            {
                ledger.TraceIds[value] = activity.TraceId;
            }

            if (ledger.Delay > TimeSpan.Zero)
            {
                await Task.Delay(ledger.Delay, cancellationToken);
            }

            if (ledger.ShouldFail(entry, message))
            {
                throw new InvalidOperationException($"cannot handle {value}");
            }

            await using var connection = new NpgsqlConnection(ledger.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (await Inbox.TryRecordAsync(connection, transaction, "ledger", message.MessageId, cancellationToken))
            {
                await using var insert = new NpgsqlCommand("INSERT INTO effects (value) VALUES ($1)", connection, transaction)
                {
                    Parameters = { new() { Value = value } },
                };
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            ledger.Exit();
        }
    }
}

/// <summary>The same effects as <see cref="LedgerHandler"/>, a batch at a time in one transaction.</summary>
public sealed class LedgerBatchHandler(Ledger ledger) : IEventBatchHandler<LedgerEntry>
{
    public async Task HandleBatchAsync(IReadOnlyList<Received<LedgerEntry>> events, CancellationToken cancellationToken)
    {
        ledger.BatchSizes.Enqueue(events.Count);
        foreach (var (entry, message) in events)
        {
            ledger.Attempts.AddOrUpdate(entry.Value, 1, (_, n) => n + 1);
            if (ledger.ShouldFail(entry, message))
            {
                throw new InvalidOperationException($"cannot handle {entry.Value}");
            }
        }

        await using var connection = new NpgsqlConnection(ledger.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (entry, message) in events)
        {
            if (await Inbox.TryRecordAsync(connection, transaction, "ledger", message.MessageId, cancellationToken))
            {
                await using var insert = new NpgsqlCommand("INSERT INTO effects (value) VALUES ($1)", connection, transaction)
                {
                    Parameters = { new() { Value = entry.Value } },
                };
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
