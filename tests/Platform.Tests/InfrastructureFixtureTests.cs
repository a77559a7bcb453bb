using AspireShop.TestKit;
using Confluent.Kafka;
using Npgsql;
using StackExchange.Redis;

namespace AspireShop.Platform.Tests;

/// <summary>The light fixture gives each test real, isolated infrastructure without starting the AppHost.</summary>
public sealed class InfrastructureFixtureTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    [Fact]
    public async Task EachTestGetsItsOwnEmptyDatabase()
    {
        var first = await infrastructure.CreateDatabaseAsync();
        var second = await infrastructure.CreateDatabaseAsync();
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);

        await using (var connection = new NpgsqlConnection(first))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE marker (id int primary key); INSERT INTO marker VALUES (1)", connection);
            await create.ExecuteNonQueryAsync();
            await using var walLevel = new NpgsqlCommand("SHOW wal_level", connection);
            Assert.Equal("logical", await walLevel.ExecuteScalarAsync());
        }

        await using (var connection = new NpgsqlConnection(second))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_name = 'marker'", connection);
            Assert.Equal(0L, await count.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task EachTestGetsItsOwnTopicOnARealBroker()
    {
        var topic = await infrastructure.CreateTopicAsync("fixture", partitions: 4);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = infrastructure.KafkaBootstrapServers }).Build())
        {
            Assert.Equal(4, Assert.Single(admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics).Partitions.Count);
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = infrastructure.KafkaBootstrapServers }).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            }
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = infrastructure.KafkaBootstrapServers,
            GroupId = $"fixture-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 3000,
        }).Build();
        consumer.Subscribe(topic);
        var all = new HashSet<string>();
        await Poll.UntilAsync(
            () =>
            {
                while (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
                {
                    all.Add(result.Message.Value);
                }

                return Task.FromResult(all.Count);
            },
            count => count == 20,
            TimeSpan.FromSeconds(30),
            count => $"{count} of 20 consumed");
        consumer.Close();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"v{i}").Order(), all.Order());
    }

    [Fact]
    public async Task RedisIsRealAndKeyPrefixesKeepTestsApart()
    {
        var mine = InfrastructureFixture.CreateRedisKeyPrefix();
        var theirs = InfrastructureFixture.CreateRedisKeyPrefix();
        Assert.NotEqual(mine, theirs);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.RedisConnectionString);
        var db = redis.GetDatabase();
        await db.StringSetAsync(mine + "stock", 5, TimeSpan.FromSeconds(30));
        Assert.Equal(4, await db.StringDecrementAsync(mine + "stock"));
        Assert.False(await db.KeyExistsAsync(theirs + "stock"));
        Assert.InRange((await db.KeyTimeToLiveAsync(mine + "stock"))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    }
}
