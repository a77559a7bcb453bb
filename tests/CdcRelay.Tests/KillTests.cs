using System.Diagnostics;
using AspireShop.TestKit;
using Npgsql;
using Xunit.Abstractions;

namespace AspireShop.CdcRelay.Tests;

/// <summary>
/// SIGKILL at random points during a stream of writes never loses a committed outbox event, and an idempotent
/// consumer applies each one exactly once although some are delivered twice.
/// </summary>
public sealed class KillTests(InfrastructureFixture infrastructure, ITestOutputHelper output) : IClassFixture<InfrastructureFixture>
{
    private const int Events = 10_000;
    private const int EventsPerSecond = 1_000;

    [Fact]
    public async Task EveryCommittedEventIsDeliveredAtLeastOnceAndAppliedExactlyOnceAcrossHardKills()
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure, CdcTestBed.OutboxDdl);
        var aggregate = CdcTestBed.UniqueName("order");
        using var topic = bed.Collect($"outbox.event.{aggregate}");
        var settings = new Dictionary<string, string>
        {
            ["Cdc:Sources:0:Name"] = bed.Name,
            [$"ConnectionStrings:{bed.Name}"] = bed.ConnectionString,
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
        };
        var relay = RelayProcess.Start(settings);
        AppliedOnceConsumer? consumer = null;
        try
        {
            await relay.WaitHealthyAsync(TimeSpan.FromSeconds(30));
            var written = 0;
            var ids = new List<Guid>(Events);
            var clock = Stopwatch.StartNew();
            var writer = Task.Run(() => WriteAsync(bed, aggregate, ids, () => Interlocked.Exchange(ref written, ids.Count)));

            // The broker creates the topic on the first produce; subscribing before that would wait for a metadata refresh.
            await Poll.UntilAsync(() => Task.FromResult(topic.Messages.Count), n => n > 0, TimeSpan.FromSeconds(30), _ => "no first event");
            consumer = await AppliedOnceConsumer.StartAsync(bed.ConnectionString, infrastructure.KafkaBootstrapServers, $"outbox.event.{aggregate}");

            var kills = Enumerable.Range(0, Random.Shared.Next(3, 6)).Select(_ => (int)(Events * (0.1 + (0.8 * Random.Shared.NextDouble())))).Order().ToArray();
            var log = new List<string>();
            var restarts = new List<string>();
            foreach (var point in kills)
            {
                await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref written)), w => w >= point || writer.IsCompleted, TimeSpan.FromSeconds(30), w => $"writer at {w}", TimeSpan.FromMilliseconds(5));
                var killedAt = Volatile.Read(ref written);
                relay.KillHard();
                log.Add($"killed at {killedAt} events ({clock.Elapsed.TotalSeconds:F1} s)");
                restarts.AddRange(relay.Output.Split('\n').Where(line => line.Contains("restarting in", StringComparison.Ordinal)));
                relay.Dispose();
                var restarted = Stopwatch.StartNew();
                relay = RelayProcess.Start(settings);
                await relay.WaitHealthyAsync(TimeSpan.FromSeconds(30));
                log.Add($"streaming again after {restarted.ElapsedMilliseconds} ms");
                // Let it catch up with what was written while it was down, so the next kill hits in-flight work, not a backlog.
                var backlog = Volatile.Read(ref written);
                await Poll.UntilAsync(() => Task.FromResult(topic.Messages.Select(m => m.Headers["id"]).Distinct().Count()), n => n >= backlog,
                    TimeSpan.FromSeconds(30), n => $"{n} of {backlog} delivered after restart", TimeSpan.FromMilliseconds(20));
                log.Add($"caught up after {restarted.ElapsedMilliseconds} ms");
            }

            await writer;
            Assert.True(kills.Length >= 3 && log.Count == 3 * kills.Length, string.Join("; ", log));
            var expected = ids.Select(id => id.ToString()).ToHashSet();
            var messages = await Poll.UntilAsync(
                () => Task.FromResult(topic.Messages),
                m => m.Select(x => x.Headers["id"]).ToHashSet().IsSupersetOf(expected),
                TimeSpan.FromSeconds(30),
                m => $"{expected.Except(m.Select(x => x.Headers["id"])).Count()} of {Events} events missing; {topic.Describe()}; {string.Join("; ", log)}\n{relay.Output}");

            var distinct = messages.Select(m => m.Headers["id"]).Distinct().Count();
            output.WriteLine($"{string.Join("; ", log)}; writes done at {clock.Elapsed.TotalSeconds:F1} s");
            output.WriteLine($"{Events} events, {messages.Count} messages, {messages.Count - distinct} duplicates, {topic.Partitions} partitions");
            output.WriteLine($"relay self-restarts: {restarts.Count}{string.Concat(restarts.Select(r => "\n  " + r.Trim()))}");
            Assert.Equal(Events, distinct);
            // Redelivery is limited to what was in flight at each kill (half a second of writes is already generous).
            Assert.InRange(messages.Count - distinct, 0, kills.Length * EventsPerSecond / 2);
            Assert.Equal(0, await relay.TerminateAsync(TimeSpan.FromSeconds(15)));

            var applied = await Poll.UntilAsync(
                consumer.AppliedAsync,
                a => a.Count >= Events,
                TimeSpan.FromSeconds(60),
                a => $"{a.Count} of {Events} applied");
            Assert.Equal(expected, applied.Keys.ToHashSet());
            Assert.All(applied, pair => Assert.Equal(1, pair.Value));
        }
        finally
        {
            relay.Dispose();
            if (consumer is not null)
            {
                await consumer.DisposeAsync();
            }
        }
    }

    /// <summary>Small transactions of 1–9 events, paced so the kills land while writes are still going on.</summary>
    private static async Task WriteAsync(CdcTestBed bed, string aggregate, List<Guid> ids, Action progress)
    {
        await using var connection = await bed.Database.OpenConnectionAsync();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) SELECT id, $2, id::text, 'OrderPlaced', '{\"n\": 1}' FROM unnest($1::uuid[]) id",
            connection);
        var batchIds = new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid };
        insert.Parameters.Add(batchIds);
        insert.Parameters.Add(new NpgsqlParameter { Value = aggregate });
        var clock = Stopwatch.StartNew();
        while (ids.Count < Events)
        {
            var batch = Enumerable.Range(0, Math.Min(Events - ids.Count, Random.Shared.Next(1, 10))).Select(_ => Guid.NewGuid()).ToArray();
            batchIds.Value = batch;
            await insert.ExecuteNonQueryAsync();
            ids.AddRange(batch);
            progress();
            if (TimeSpan.FromSeconds((double)ids.Count / EventsPerSecond) - clock.Elapsed is { Ticks: > 0 } ahead)
            {
                await Task.Delay(ahead);
            }
        }
    }
}
