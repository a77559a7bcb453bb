using System.Diagnostics;
using AspireShop.TestKit;
using Npgsql;
using Xunit.Abstractions;

namespace AspireShop.CdcRelay.Tests;

/// <summary>Outbox rows must come out as Debezium's Outbox Event Router publishes them, and only once committed.</summary>
public sealed class OutboxTests(InfrastructureFixture infrastructure, ITestOutputHelper output) : IClassFixture<InfrastructureFixture>
{
    [Fact]
    public async Task OutboxInsertIsRoutedToItsAggregateTopicWithKeyRawPayloadAndHeaders()
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure, CdcTestBed.OutboxDdl);
        var aggregate = CdcTestBed.UniqueName("order");
        using var topic = bed.Collect($"outbox.event.{aggregate}");
        await bed.StartRelayAsync(bed.Source());
        var id = Guid.NewGuid();
        const string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        await InsertAsync(bed, id, aggregate, "order-42", """{"orderId": 42, "total": "12.50", "lines": [{"sku": "A"}]}""", traceparent);
        await bed.ExecuteAsync("UPDATE outbox SET type = 'changed'; DELETE FROM outbox");

        var message = Assert.Single(await Poll.UntilAsync(() => Task.FromResult(topic.Messages), m => m.Count >= 1, TimeSpan.FromSeconds(20), _ => topic.Describe()));
        Assert.Equal("order-42", message.KeyText);
        Assert.Equal(await bed.ScalarAsync<string>("SELECT '{\"orderId\": 42, \"total\": \"12.50\", \"lines\": [{\"sku\": \"A\"}]}'::jsonb::text"), message.ValueText);
        Assert.Equal(new Dictionary<string, string> { ["id"] = id.ToString(), ["type"] = "OrderPlaced", ["traceparent"] = traceparent }, message.Headers);

        // A later marker proves the update and delete above were skipped rather than still on their way.
        await InsertAsync(bed, Guid.NewGuid(), aggregate, "marker", "{}", null);
        var all = await Poll.UntilAsync(() => Task.FromResult(topic.Messages), m => m.Any(x => x.KeyText == "marker"), TimeSpan.FromSeconds(20), _ => topic.Describe());
        Assert.Equal(2, all.Count);
    }

    [Fact]
    public async Task RolledBackOutboxInsertPublishesNothing()
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure, CdcTestBed.OutboxDdl);
        var aggregate = CdcTestBed.UniqueName("order");
        using var topic = bed.Collect($"outbox.event.{aggregate}");
        await bed.StartRelayAsync(bed.Source());

        await using (var connection = await bed.Database.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await InsertAsync(connection, Guid.NewGuid(), aggregate, "rolled-back", "{}", null);
            await transaction.RollbackAsync();
        }

        await InsertAsync(bed, Guid.NewGuid(), aggregate, "committed", "{}", null);

        var messages = await Poll.UntilAsync(() => Task.FromResult(topic.Messages), m => m.Any(x => x.KeyText == "committed"), TimeSpan.FromSeconds(20), _ => topic.Describe());
        Assert.Equal(["committed"], messages.Select(m => m.KeyText));
    }

    [Fact]
    public async Task AtAThousandEventsPerSecondEveryCommittedEventArrivesExactlyOnce()
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure, CdcTestBed.OutboxDdl);
        var aggregate = CdcTestBed.UniqueName("order");
        using var topic = bed.Collect($"outbox.event.{aggregate}");
        await bed.StartRelayAsync(bed.Source());
        await InsertAsync(bed, Guid.NewGuid(), aggregate, "warmup", "{}", null);
        await Poll.UntilAsync(() => Task.FromResult(topic.Messages), m => m.Count == 1, TimeSpan.FromSeconds(20), _ => topic.Describe());

        const int events = 3000;
        var committedAt = new long[events];
        await using var connection = await bed.Database.OpenConnectionAsync();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < events; i++)
        {
            // Paced to 1 000 events/s, one event per transaction.
            if (TimeSpan.FromMilliseconds(i) - clock.Elapsed is { Ticks: > 0 } ahead)
            {
                await Task.Delay(ahead);
            }

            await InsertAsync(connection, Guid.NewGuid(), aggregate, i.ToString(System.Globalization.CultureInfo.InvariantCulture), "{}", null);
            committedAt[i] = Stopwatch.GetTimestamp();
        }

        var received = await Poll.UntilAsync(() => Task.FromResult(topic.Messages), m => m.Count >= events + 1, TimeSpan.FromSeconds(30), _ => topic.Describe());
        var latencies = received.Where(m => m.KeyText != "warmup")
            .Select(m => Stopwatch.GetElapsedTime(committedAt[int.Parse(m.KeyText!, System.Globalization.CultureInfo.InvariantCulture)], m.ReceivedAt).TotalMilliseconds)
            .Order().ToArray();
        double Percentile(double p) => latencies[(int)Math.Min(latencies.Length - 1, Math.Ceiling(p * latencies.Length) - 1)];
        output.WriteLine($"commit→receipt over {latencies.Length} events in {clock.Elapsed.TotalSeconds:F1} s: p50 {Percentile(0.5):F1} ms, p99 {Percentile(0.99):F1} ms, max {latencies[^1]:F1} ms");
        // Latency is a figure for bench `events` (one run, a quiet box), not an assertion on a box running other tests.
        Assert.Equal(Enumerable.Range(0, events).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal),
            received.Where(m => m.KeyText != "warmup").Select(m => m.KeyText!).Order(StringComparer.Ordinal));
    }

    internal static async Task InsertAsync(CdcTestBed bed, Guid id, string aggregateType, string aggregateId, string payload, string? traceparent)
    {
        await using var connection = await bed.Database.OpenConnectionAsync();
        await InsertAsync(connection, id, aggregateType, aggregateId, payload, traceparent);
    }

    internal static async Task InsertAsync(NpgsqlConnection connection, Guid id, string aggregateType, string aggregateId, string payload, string? traceparent)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, traceparent) VALUES ($1, $2, $3, 'OrderPlaced', $4::jsonb, $5)", connection)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = id },
                new NpgsqlParameter { Value = aggregateType },
                new NpgsqlParameter { Value = aggregateId },
                new NpgsqlParameter { Value = payload },
                new NpgsqlParameter { Value = (object?)traceparent ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar },
            },
        };
        await command.ExecuteNonQueryAsync();
    }
}
