using System.Diagnostics;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.ServiceDefaults.Messaging;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.BuildingBlocks.Tests;

public sealed class KafkaConsumerHostTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PoisonMessageEndsInTheDeadLetterTopicAndTheConsumerKeepsGoing()
    {
        var topic = await infrastructure.CreateTopicAsync("orders", partitions: 3);
        var group = $"poison-{Guid.NewGuid():N}";
        var ledger = await Ledger.CreateAsync(infrastructure);
        ledger.ShouldFail = (e, _) => e.Value == "poison";
        await using var harness = await ConsumerHarness.StartAsync(infrastructure, group, topic, ledger, o => o.MaxAttempts = 3);

        // One key: one partition, so "after" really means after the poison message.
        await ConsumerHarness.ProduceAsync(infrastructure.KafkaBootstrapServers, topic,
            [("k", "before", "e1"), ("k", "poison", "e2"), ("k", "after", "e3")]);

        var effects = await Poll.UntilAsync(ledger.EffectsAsync, e => e.ContainsKey("after"), Deadline, e => string.Join(",", e.Keys));
        Assert.Equal(new Dictionary<string, long> { ["before"] = 1, ["after"] = 1 }, effects);
        Assert.Equal(3, ledger.Attempts["poison"]);

        var deadLetter = ConsumeOne(infrastructure.KafkaBootstrapServers, $"dlq.{group}");
        var headers = ReceivedMessage.ReadHeaders(deadLetter.Message.Headers);
        Assert.Equal(LedgerEntry.Json("poison"), deadLetter.Message.Value);
        Assert.Equal("k", deadLetter.Message.Key);
        Assert.Equal("e2", headers[ReceivedMessage.IdHeader]);
        Assert.Equal(topic, headers[DeadLetter.OriginalTopicHeader]);
        Assert.Equal("3", headers[DeadLetter.AttemptsHeader]);
        Assert.Contains("cannot handle poison", headers[DeadLetter.ErrorHeader], StringComparison.Ordinal);

        // Once the cause is fixed, the dashboard's replay hands the letter back to the same handler, once.
        ledger.ShouldFail = (_, _) => false;
        var replayer = harness.Host.Services.GetServices<IDeadLetterReplayer>().Single();
        var replay = await replayer.ReplayAsync(CancellationToken.None);
        Assert.Equal((1, 0), (replay.Replayed, replay.Failed));
        Assert.Equal(1, (await ledger.EffectsAsync())["poison"]);
        Assert.Equal(0, (await replayer.ReplayAsync(CancellationToken.None)).Replayed);
    }

    [Fact]
    public async Task PayloadsThatAreNotTheContractAreDeadLetteredAtOnceNeverDropped()
    {
        var topic = await infrastructure.CreateTopicAsync("malformed", partitions: 1);
        var group = $"malformed-{Guid.NewGuid():N}";
        var ledger = await Ledger.CreateAsync(infrastructure);
        await using var harness = await ConsumerHarness.StartAsync(infrastructure, group, topic, ledger, o => o.MaxAttempts = 5);

        using (var producer = new ProducerBuilder<string, string?>(new ProducerConfig { BootstrapServers = infrastructure.KafkaBootstrapServers }).Build())
        {
            foreach (var value in new[] { null, "not json", "{\"other\":1}", "null" })
            {
                await producer.ProduceAsync(topic, new Message<string, string?> { Key = "k", Value = value });
            }
        }

        await ConsumerHarness.ProduceAsync(infrastructure.KafkaBootstrapServers, topic, [("k", "after", "e1")]);

        await Poll.UntilAsync(ledger.EffectsAsync, e => e.ContainsKey("after"), Deadline, e => string.Join(",", e.Keys));
        var letters = ConsumeAll(infrastructure.KafkaBootstrapServers, $"dlq.{group}", 4);
        Assert.Equal([null, "not json", "{\"other\":1}", "null"], letters.Select(l => l.Message.Value));
        // Poison is not retried: one attempt each, whatever MaxAttempts allows.
        Assert.All(letters, l => Assert.Equal("1", ReceivedMessage.ReadHeaders(l.Message.Headers)[DeadLetter.AttemptsHeader]));
    }

    [Fact]
    public async Task ABatchHandlerTakesABacklogInBatchesAndAPoisonMessageInOneIsDeadLetteredAlone()
    {
        var topic = await infrastructure.CreateTopicAsync("batches", partitions: 1);
        var group = $"batches-{Guid.NewGuid():N}";
        var ledger = await Ledger.CreateAsync(infrastructure);
        ledger.ShouldFail = (e, _) => e.Value == "m150";

        // The backlog is there before the consumer starts, as after a bulk load or a restart.
        await ConsumerHarness.ProduceAsync(infrastructure.KafkaBootstrapServers, topic,
            Enumerable.Range(0, 300).Select(i => ("k", $"m{i}", (string?)$"id-{i}")));
        await using var harness = await ConsumerHarness.StartAsync(
            infrastructure, group, topic, ledger, o => (o.MaxAttempts, o.MaxBatchSize) = (3, 64), batches: true);

        var effects = await Poll.UntilAsync(ledger.EffectsAsync, e => e.ContainsKey("m299"), Deadline, e => $"{e.Count} of 299 applied");
        Assert.Equal(299, effects.Count);
        Assert.All(effects.Values, count => Assert.Equal(1, count));
        Assert.False(effects.ContainsKey("m150"));
        Assert.InRange(ledger.BatchSizes.Max(), 2, 64);
        // Alone until the last attempt (plus once in its batch, when it arrived in one): retries are per message, not per batch.
        Assert.InRange(ledger.Attempts["m150"], 3, 4);

        var deadLetter = ConsumeOne(infrastructure.KafkaBootstrapServers, $"dlq.{group}");
        Assert.Equal(LedgerEntry.Json("m150"), deadLetter.Message.Value);
        Assert.Equal("id-150", ReceivedMessage.ReadHeaders(deadLetter.Message.Headers)[ReceivedMessage.IdHeader]);
    }

    [Fact]
    public async Task TransientFailuresAreRetriedAndApplyOnce()
    {
        var topic = await infrastructure.CreateTopicAsync("retry", partitions: 1);
        var ledger = await Ledger.CreateAsync(infrastructure);
        ledger.ShouldFail = (_, m) => m.Attempt < 3;
        await using var harness = await ConsumerHarness.StartAsync(infrastructure, $"retry-{Guid.NewGuid():N}", topic, ledger, o => o.MaxAttempts = 5);

        await ConsumerHarness.ProduceAsync(infrastructure.KafkaBootstrapServers, topic, [("k", "flaky", "e1")]);

        await Poll.UntilAsync(ledger.EffectsAsync, e => e.ContainsKey("flaky"), Deadline, _ => "never applied");
        Assert.Equal(3, ledger.Attempts["flaky"]);
        Assert.Equal(1, (await ledger.EffectsAsync())["flaky"]);
    }

    [Fact]
    public async Task RedeliveredEventIsAppliedOnlyOnce()
    {
        var topic = await infrastructure.CreateTopicAsync("dupes", partitions: 4);
        var ledger = await Ledger.CreateAsync(infrastructure);
        await using var harness = await ConsumerHarness.StartAsync(infrastructure, $"dupes-{Guid.NewGuid():N}", topic, ledger);

        // The same event id three times, as CDC redelivery after a crash would produce, then a marker.
        await ConsumerHarness.ProduceAsync(infrastructure.KafkaBootstrapServers, topic,
            [("a", "paid", "evt-1"), ("a", "paid", "evt-1"), ("a", "paid", "evt-1"), ("a", "marker", "evt-2")]);

        var effects = await Poll.UntilAsync(ledger.EffectsAsync, e => e.ContainsKey("marker"), Deadline, _ => "marker not applied");
        Assert.Equal(3, ledger.Attempts["paid"]);
        Assert.Equal(1, effects["paid"]);
    }

    [Fact]
    public async Task BulkheadBoundsConcurrencyAcrossPartitions()
    {
        var topic = await infrastructure.CreateTopicAsync("bulkhead", partitions: 12);
        var ledger = await Ledger.CreateAsync(infrastructure);
        ledger.Delay = TimeSpan.FromMilliseconds(50);
        await using var harness = await ConsumerHarness.StartAsync(infrastructure, $"bulkhead-{Guid.NewGuid():N}", topic, ledger, o => o.MaxConcurrency = 3);

        await ConsumerHarness.ProduceAsync(infrastructure.KafkaBootstrapServers, topic,
            Enumerable.Range(0, 60).Select(i => ($"key-{i}", $"m{i}", (string?)$"id-{i}")));

        await Poll.UntilAsync(ledger.EffectsAsync, e => e.Count == 60, Deadline, e => $"{e.Count} of 60 applied");
        Assert.InRange(ledger.MaxConcurrent, 2, 3);
    }

    [Fact]
    public async Task ABackloggedPartitionDoesNotHoldBackTheOthers()
    {
        var topic = await infrastructure.CreateTopicAsync("backlog", partitions: 2);
        var ledger = await Ledger.CreateAsync(infrastructure);
        ledger.Delay = TimeSpan.FromMilliseconds(5);
        await using var harness = await ConsumerHarness.StartAsync(infrastructure, $"backlog-{Guid.NewGuid():N}", topic, ledger, o => o.MaxConcurrency = 2);

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = infrastructure.KafkaBootstrapServers }).Build();
        for (var i = 0; i < 800; i++)
        {
            producer.Produce(new TopicPartition(topic, new Partition(0)), new Message<string, string> { Key = "slow", Value = LedgerEntry.Json($"slow-{i}") });
        }

        // Right behind the backlog in the client's fetch queue, which hands out partitions in the order it fetched them.
        await producer.ProduceAsync(new TopicPartition(topic, new Partition(1)), new Message<string, string> { Key = "fast", Value = LedgerEntry.Json("fast") });

        await Poll.UntilAsync(() => Task.FromResult(ledger.Attempts.ContainsKey("fast")), seen => seen, Deadline, _ => "fast never handled");
        var slowDone = ledger.Attempts.Keys.Count(k => k.StartsWith("slow-", StringComparison.Ordinal));
        Assert.True(slowDone < 400, $"partition 1 waited until {slowDone} of 800 backlog messages were handled");
    }

    [Fact]
    public async Task TraceContinuesFromProducerToHandler()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == KafkaTelemetry.ActivitySourceName || source.Name == "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("test");

        var topic = await infrastructure.CreateTopicAsync("traced", partitions: 2);
        var ledger = await Ledger.CreateAsync(infrastructure);
        await using var harness = await ConsumerHarness.StartAsync(infrastructure, $"traced-{Guid.NewGuid():N}", topic, ledger);

        ActivityTraceId requestTrace;
        using (var request = source.StartActivity("POST /api/orders"))
        {
            Assert.NotNull(request);
            requestTrace = request.TraceId;
            using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = infrastructure.KafkaBootstrapServers }).Build();
            await producer.ProduceTracedAsync(topic, new Message<string, string> { Key = "k", Value = LedgerEntry.Json("traced") });
        }

        await Poll.UntilAsync(() => Task.FromResult(ledger.TraceIds.ContainsKey("traced")), seen => seen, Deadline, _ => "not handled");
        Assert.Equal(requestTrace, ledger.TraceIds["traced"]);
    }

    private static List<ConsumeResult<string?, string?>> ConsumeAll(string bootstrap, string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 3000,
        }).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<string?, string?>>();
        var deadline = DateTime.UtcNow + Deadline;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                results.Add(result);
            }
        }

        consumer.Close();
        return results;
    }

    private static ConsumeResult<string?, string?> ConsumeOne(string bootstrap, string topic)
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 3000,
        }).Build();
        consumer.Subscribe(topic);
        var result = consumer.Consume(Deadline);
        consumer.Close();
        return result ?? throw new TimeoutException($"Nothing on {topic}");
    }
}
