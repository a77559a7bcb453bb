using System.Collections.Concurrent;
using System.Diagnostics;
using AspireShop.Bench.Load;
using AspireShop.BuildingBlocks.Outbox;
using Confluent.Kafka;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The event backbone end to end: outbox rows committed at a fixed rate (one event per transaction, as a service
/// writes them) → CDC → Kafka → a consumer group. Latency is commit → consume, both stamped in this process.
/// </summary>
public sealed class EventsScenario : IScenario
{
    public const string AggregateType = "bench";
    private const int TargetRate = 1_000;
    private const int Writers = 4;

    public string Name => "events";

    public string Description => $"outbox → CDC → Kafka → consumer at {TargetRate:N0} events/s: events/s and commit→consume lag (self-hosted only)";

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = context.Platform ?? throw new InvalidOperationException("events needs the self-hosted platform (no --target): it writes to a service database.");
        var database = await platform.GetConnectionStringAsync("catalogdb");
        var kafka = await platform.GetConnectionStringAsync("kafka-bootstrap");

        var committedAt = new ConcurrentDictionary<Guid, long>();
        var lags = new ConcurrentBag<long>();
        var delivered = new ConcurrentDictionary<Guid, byte>();
        var duplicates = 0L;
        using var stopConsumer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var consumer = Task.Factory.StartNew(
            () => Consume(kafka, committedAt, delivered, lags, ref duplicates, stopConsumer.Token),
            TaskCreationOptions.LongRunning);

        // Warm-up is written too but not measured: CDC and the consumer group settle first.
        await WriteAsync(database, context.Options.Warmup, committedAt, cancellationToken);
        lags.Clear();
        var measuredFrom = Stopwatch.GetTimestamp();
        var written = await WriteAsync(database, context.Options.Duration, committedAt, cancellationToken);
        var writeTime = Stopwatch.GetElapsedTime(measuredFrom);

        // Give stragglers a few seconds, then count what never arrived as errors.
        var drainUntil = DateTime.UtcNow.AddSeconds(10);
        while (committedAt.Keys.Any(id => !delivered.ContainsKey(id)) && DateTime.UtcNow < drainUntil)
        {
            await Task.Delay(100, cancellationToken);
        }

        await stopConsumer.CancelAsync();
        await consumer;
        var missing = committedAt.Keys.Count(id => !delivered.ContainsKey(id));

        var percentiles = new Percentiles([lags.ToArray()]);
        context.Metrics["target_events_per_s"] = TargetRate;
        context.Metrics["written_measured"] = written;
        context.Metrics["written_including_warmup"] = committedAt.Count;
        context.Metrics["missing"] = missing;
        context.Metrics["duplicates"] = Interlocked.Read(ref duplicates);
        return new LoadResult(
            lags.Count, missing, writeTime,
            percentiles.Milliseconds(0.50), percentiles.Milliseconds(0.95), percentiles.Milliseconds(0.99),
            new Dictionary<string, long> { ["not_delivered_within_10s"] = missing });
    }

    private static async Task<long> WriteAsync(string database, TimeSpan duration, ConcurrentDictionary<Guid, long> committedAt, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds((double)Writers / TargetRate);
        var written = 0L;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(async writer =>
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(cancellationToken);
            var start = Stopwatch.GetTimestamp();
            for (var n = 0L; Stopwatch.GetElapsedTime(start) < duration; n++)
            {
                // Open-loop pacing: event n is due at n × interval, whatever the previous one cost.
                var due = interval * n - Stopwatch.GetElapsedTime(start);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }

                var e = OutboxEvent.Create(AggregateType, $"w{writer}-{n % 64}", new { writer, n });
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await OutboxWriter.WriteAsync(connection, transaction, e, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                committedAt[e.Id] = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref written);
            }
        }));
        return written;
    }

    private static void Consume(
        string kafka, ConcurrentDictionary<Guid, long> committedAt, ConcurrentDictionary<Guid, byte> delivered,
        ConcurrentBag<long> lags, ref long duplicates, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka,
            GroupId = $"bench-events-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Generous: at full load on two cores a 3 s session can lapse and a rebalance would distort the lag.
            SessionTimeoutMs = 10000,
            FetchWaitMaxMs = 5,
        }).Build();
        consumer.Subscribe($"outbox.event.{AggregateType}");
        while (!stop.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message?.Headers is not { } headers || !headers.TryGetLastBytes("id", out var idBytes)
                || !Guid.TryParse(System.Text.Encoding.UTF8.GetString(idBytes), out var id))
            {
                continue;
            }

            var now = Stopwatch.GetTimestamp();
            if (!delivered.TryAdd(id, 0))
            {
                Interlocked.Increment(ref duplicates);
            }
            else if (committedAt.TryGetValue(id, out var committed))
            {
                lags.Add(now - committed);
            }
        }

        consumer.Close();
    }
}
