using System.Diagnostics;
using System.Reflection;
using System.Threading.Channels;
using AspireShop.ServiceDefaults.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Npgsql.Replication;
using NpgsqlTypes;

namespace AspireShop.Infrastructure.CdcRelay;

/// <summary>
/// Debezium's Postgres connector for native mode: streams one database's logical replication slot (pgoutput) and
/// publishes change events and outbox events in Debezium's formats. It acknowledges an LSN only after Kafka confirmed
/// every message before it, so a crash redelivers from the slot: at-least-once.
/// </summary>
public sealed partial class CdcRelay
{
    public const string ActivitySourceName = "AspireShop.CdcRelay";

    private static readonly ActivitySource Activities = new(ActivitySourceName);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly string Version = typeof(CdcRelay).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";

    private readonly string _kafkaBootstrapServers;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _produceGate = new(1, 1);
    private bool _stopping;
    private long _streamingSinceTicks;

    public CdcRelay(CdcSource source, string kafkaBootstrapServers, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(kafkaBootstrapServers);
        Source = source;
        _kafkaBootstrapServers = kafkaBootstrapServers;
        _logger = logger ?? NullLogger.Instance;
    }

    public CdcSource Source { get; }

    /// <summary>True while the slot is attached to this relay's replication connection.</summary>
    public bool IsStreaming => StreamingSince is not null;

    public DateTimeOffset? StreamingSince => Interlocked.Read(ref _streamingSinceTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>
    /// Creates the publication and slot if missing, then streams until <paramref name="cancellationToken"/> is cancelled
    /// (returning normally after acknowledging what Kafka confirmed) or something fails (throwing, nothing more acknowledged).
    /// A relay runs once; start a new one to resume.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunCoreAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before streaming started.
        }
        finally
        {
            Interlocked.Exchange(ref _streamingSinceTicks, 0);
        }
    }

    private async Task RunCoreAsync(CancellationToken cancellationToken)
    {
        await using var database = NpgsqlDataSource.Create(Source.ConnectionString);
        await ReplicationSetup.EnsurePublicationAndSlotAsync(database, Source, cancellationToken);

        await using var replication = new LogicalReplicationConnection(ReplicationConnectionString());
        await replication.Open(cancellationToken);
        using var producer = BuildProducer();
        var pending = Channel.CreateBounded<PendingAck>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        using var streamCts = new CancellationTokenSource();
        using var drainCts = new CancellationTokenSource();
        var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onStop = cancellationToken.Register(() => stopRequested.TrySetResult());

        var stream = Task.Run(() => StreamAsync(replication, database, producer, pending.Writer, streamCts.Token), CancellationToken.None);
        var acks = Task.Run(() => AcknowledgeAsync(replication, pending.Reader, drainCts.Token), CancellationToken.None);
        var watch = WatchSlotAsync(database, replication.ProcessID, streamCts.Token);
        try
        {
            var first = await Task.WhenAny(stream, acks, stopRequested.Task);
            if (first != stopRequested.Task)
            {
                await first;
                throw new InvalidOperationException($"The replication stream of '{Source.Name}' ended unexpectedly.");
            }

            await StopProducingAsync(pending.Writer);
            drainCts.CancelAfter(DrainTimeout);
            await acks;
            LogStopped(Source.Name, replication.LastFlushedLsn.ToString());
        }
        finally
        {
            Interlocked.Exchange(ref _streamingSinceTicks, 0);
            await streamCts.CancelAsync();
            await drainCts.CancelAsync();
            await Task.WhenAll(stream, acks, watch).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>No transaction is produced after this, so the acknowledgement loop can finish what is in flight.</summary>
    private async Task StopProducingAsync(ChannelWriter<PendingAck> pending)
    {
        if (!await _produceGate.WaitAsync(DrainTimeout, CancellationToken.None))
        {
            // A commit is stuck behind a full queue (Kafka unreachable): give up on the graceful drain.
            return;
        }

        try
        {
            _stopping = true;
            pending.TryComplete();
        }
        finally
        {
            _produceGate.Release();
        }
    }

    /// <summary>Acknowledges each transaction's end LSN in commit order once all its messages are delivered.</summary>
    private static async Task AcknowledgeAsync(LogicalReplicationConnection replication, ChannelReader<PendingAck> pending, CancellationToken cancellationToken)
    {
        while (await pending.WaitToReadAsync(cancellationToken))
        {
            while (pending.TryRead(out var ack))
            {
                foreach (var delivery in ack.Deliveries)
                {
                    await delivery.WaitAsync(cancellationToken);
                }

                // Published but not acknowledged: after a restart the slot sends the transaction again, as duplicates.
                CrashPoints.Hit("relay-after-publish");
                replication.SetReplicationStatus(ack.EndLsn);
                // One status message for a run of already-delivered transactions rather than one each.
                if (!pending.TryPeek(out var next) || !next.Deliveries.All(static d => d.IsCompleted))
                {
                    await replication.SendStatusUpdate(cancellationToken);
                }
            }
        }
    }

    /// <summary>Reports streaming once the server shows the slot attached to our walsender.</summary>
    private async Task WatchSlotAsync(NpgsqlDataSource database, int processId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Source.SlotName });
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (await command.ExecuteScalarAsync(cancellationToken) is int pid && pid == processId)
            {
                Interlocked.Exchange(ref _streamingSinceTicks, DateTimeOffset.UtcNow.UtcTicks);
                LogStreaming(Source.Name, Source.SlotName, DatabaseName);
                return;
            }
        }
    }

    private string DatabaseName => new NpgsqlConnectionStringBuilder(Source.ConnectionString).Database ?? "postgres";

    private string ReplicationConnectionString() => new NpgsqlConnectionStringBuilder(Source.ConnectionString)
    {
        // pgoutput writes text with the walsender's settings: pin them so parsing never depends on server defaults.
        Options = "-c DateStyle=ISO,MDY -c TimeZone=UTC -c extra_float_digits=1",
    }.ConnectionString;

    private IProducer<byte[]?, byte[]?> BuildProducer() => new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
    {
        BootstrapServers = _kafkaBootstrapServers,
        ClientId = $"cdc-relay-{Source.Name}",
        Acks = Acks.All,
        EnableIdempotence = true,
        // Latency matters more than batch size; deliveries are not awaited one by one anyway.
        LingerMs = 1,
        // Kafka Connect's (Java) partitioner, so keys land on the same partitions as with Debezium.
        Partitioner = Partitioner.Murmur2Random,
        QueueBufferingMaxMessages = 1_000_000,
        MessageTimeoutMs = 60_000,
    })
        .SetErrorHandler((_, error) => LogProducerError(Source.Name, error.Reason))
        .SetLogHandler((_, message) => LogLibrdkafka(message.Facility, message.Message))
        .Build();

    private sealed record PendingAck(NpgsqlLogSequenceNumber EndLsn, Task[] Deliveries);

    [LoggerMessage(LogLevel.Information, "CDC relay {Source} streaming slot {Slot} of {Database}")]
    private partial void LogStreaming(string source, string slot, string database);

    [LoggerMessage(LogLevel.Warning, "Kafka producer of {Source}: {Reason}")]
    private partial void LogProducerError(string source, string reason);

    [LoggerMessage(LogLevel.Debug, "librdkafka {Facility}: {Message}")]
    private partial void LogLibrdkafka(string facility, string message);

    [LoggerMessage(LogLevel.Information, "CDC relay {Source} stopped after acknowledging {Lsn}")]
    private partial void LogStopped(string source, string lsn);
}
