using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireShop.Platform.Tests;

[Collection(PlatformCollection.Name)]
public sealed class PlatformTests(PlatformFixture platform)
{
    private const string PingTopic = "platform.ping";

    [Fact]
    public void EveryResourceIsRunningAndHealthy()
    {
        var resources = platform.Resources();
        Assert.Superset(
            new HashSet<string> { "postgres", "catalogdb", "redis", "kafka", "cdc", "catalog" },
            resources.Select(r => r.Name).ToHashSet());
        Assert.DoesNotContain(resources, r => r is ContainerResource);

        foreach (var resource in resources)
        {
            Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(resource.Name, out var state), resource.Name);
            if (PlatformFixture.IsStep(resource.Name))
            {
                Assert.True(state.Snapshot.ExitCode == 0, platform.Describe(resource.Name));
            }
            else
            {
                Assert.True(state.Snapshot.HealthStatus == HealthStatus.Healthy, platform.Describe(resource.Name));
            }
        }
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task HealthEndpointsAnswer200(string path)
    {
        using var client = platform.CreateHttpClient("catalog");
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PingReachesPostgresRedisAndKafka()
    {
        using var client = platform.CreateHttpClient("catalog");
        var ping = await client.GetFromJsonAsync<PingResponse>("/api/catalog/ping");

        Assert.NotNull(ping);
        Assert.Equal("catalogdb", ping.Database);
        Assert.Equal(PingTopic, ping.Kafka.Topic);
        Assert.InRange(ping.Kafka.Partition, 0, 11);

        // The message the service produced is really on the broker, at the offset it reported.
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = await platform.GetConnectionStringAsync("kafka-bootstrap"),
            GroupId = $"ping-check-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(PingTopic, ping.Kafka.Partition, ping.Kafka.Offset));
        var result = consumer.Consume(TimeSpan.FromSeconds(15));
        Assert.NotNull(result);
        Assert.Equal(ping.Kafka.Offset, result.Offset.Value);
        Assert.Contains("\"at\"", result.Message.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvisionedTopicCarriesMessagesThroughAConsumerGroup()
    {
        var bootstrap = await platform.GetConnectionStringAsync("kafka-bootstrap");
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var metadata = admin.GetMetadata(PingTopic, TimeSpan.FromSeconds(10));
            Assert.Equal(12, Assert.Single(metadata.Topics).Partitions.Count);
        }

        var runId = Guid.NewGuid().ToString("N");
        var keys = Enumerable.Range(0, 200).Select(i => $"{runId}-{i}").ToHashSet();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true }).Build())
        {
            foreach (var key in keys)
            {
                producer.Produce(PingTopic, new Message<string, string> { Key = key, Value = runId });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(15)));
        }

        var group = $"roundtrip-{runId}";
        var seen = new HashSet<string>();
        using (var consumer = CreateGroupConsumer(bootstrap, group))
        {
            consumer.Subscribe(PingTopic);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!keys.IsSubsetOf(seen) && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } result && result.Message.Value == runId)
                {
                    seen.Add(result.Message.Key);
                    consumer.StoreOffset(result);
                }
            }

            consumer.Commit();
            consumer.Close();
        }

        Assert.Equal(keys.Count, seen.Intersect(keys).Count());

        // The group resumes at its committed offsets: nothing of this run is delivered again.
        using var resumed = CreateGroupConsumer(bootstrap, group);
        resumed.Subscribe(PingTopic);
        var redelivered = 0;
        var quietUntil = DateTime.UtcNow.AddSeconds(6);
        while (DateTime.UtcNow < quietUntil)
        {
            if (resumed.Consume(TimeSpan.FromMilliseconds(500)) is { } result && result.Message.Value == runId)
            {
                redelivered++;
            }
        }

        resumed.Close();
        Assert.Equal(0, redelivered);
    }

    [Fact]
    public async Task RecordedPingTravelsThroughOutboxCdcAndKafkaToItsConsumer()
    {
        using var client = platform.CreateHttpClient("catalog");
        using var accepted = await client.PostAsync("/api/catalog/ping-events", content: null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var receipt = accepted.Headers.Location ?? throw new InvalidOperationException("202 without a Location");

        // 202 means written with its event in one transaction; the consumer's receipt appears once CDC delivered it.
        var status = await Poll.UntilAsync(
            async () => (await client.GetAsync(receipt)).StatusCode,
            code => code == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20),
            code => $"{receipt} still {code}\n{platform.Describe("cdc")}");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task DashboardCommandReplaysDeadLetters()
    {
        var result = await platform.App.ResourceCommands.ExecuteCommandAsync("catalog", "replay-dead-letters");
        Assert.True(result.Success, result.Message);
    }

    [Fact]
    public async Task UnknownRouteAnswersProblemDetails()
    {
        using var client = platform.CreateHttpClient("catalog");
        using var response = await client.GetAsync("/api/catalog/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static IConsumer<string, string> CreateGroupConsumer(string bootstrap, string group) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 3000,
            HeartbeatIntervalMs = 1000,
        }).Build();

    private sealed record PingResponse(string Database, double PostgresMs, double RedisMs, double KafkaMs, KafkaPosition Kafka);

    private sealed record KafkaPosition(string Topic, int Partition, long Offset);
}
