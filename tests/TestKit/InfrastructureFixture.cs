using System.Security.Cryptography;
using AspireShop.AppHost.Infrastructure;
using AspireShop.Infrastructure.EmbeddedKafka;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Xunit;

namespace AspireShop.TestKit;

/// <summary>
/// Real Postgres, Redis and Kafka-protocol broker without the AppHost, for fast service-level tests: the servers
/// start once per test process (about 2 s), and each test asks for its own fresh database, topic and Redis key prefix,
/// so tests stay parallel-safe without cleaning up after each other.
/// </summary>
public sealed class InfrastructureFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static SharedServers? _shared;

    // An instance member on purpose: tests use the fixture they were given, whatever the fixture shares underneath.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The fixture's API is per instance.")]
    private SharedServers Servers => _shared ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>Connection string of the server's maintenance database; prefer <see cref="CreateDatabaseAsync"/>.</summary>
    public string PostgresConnectionString => Servers.PostgresConnectionString;

    public string RedisConnectionString => Servers.RedisConnectionString;

    public string KafkaBootstrapServers => Servers.Kafka.BootstrapServers;

    public async Task InitializeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            _shared ??= await SharedServers.StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 13)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Creates a topic with a unique name on the shared broker and returns the name.</summary>
    public async Task<string> CreateTopicAsync(string prefix = "test", int partitions = 12)
    {
        var name = $"{prefix}.{Guid.NewGuid():N}"[..(prefix.Length + 13)];
        Servers.Kafka.CreateTopic(name, partitions);
        await Servers.Kafka.WaitUntilReadyAsync([name], TimeSpan.FromSeconds(30));
        return name;
    }

    /// <summary>
    /// Creates a topic with exactly this name (e.g. a CDC topic a service subscribes to by convention). Give each test
    /// its own name: the broker is shared by every test in the process.
    /// </summary>
    public async Task CreateNamedTopicAsync(string name, int partitions = 12)
    {
        Servers.Kafka.CreateTopic(name, partitions);
        await Servers.Kafka.WaitUntilReadyAsync([name], TimeSpan.FromSeconds(30));
    }

    /// <summary>A key prefix no other test uses, since all tests share one Redis database.</summary>
    public static string CreateRedisKeyPrefix(string prefix = "test") => $"{prefix}:{Guid.NewGuid():N}:";

    // The servers outlive any one fixture instance: they stop when the test process exits.
    public Task DisposeAsync() => Task.CompletedTask;

    private sealed class SharedServers
    {
        public required string PostgresConnectionString { get; init; }

        public required string RedisConnectionString { get; init; }

        public required MockKafkaCluster Kafka { get; init; }

        public static async Task<SharedServers> StartAsync()
        {
            var toolchain = NativeToolchain.Locate(new ConfigurationBuilder().AddEnvironmentVariables().Build());
            var directory = RepositoryPaths.CreateScratchDirectory("infra");
            var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RepositoryPaths.DeleteQuietly(directory);

            // Below the ephemeral range: a port picked there can be taken (a client socket, a DCP proxy) before the server binds it.
            var pgPort = TestPorts.FreeFixed();
            var postgres = NativeServer.Start("postgres", Path.Combine(RepositoryPaths.NativeScripts, "postgres.sh"), pgPort, new Dictionary<string, string>
            {
                ["PG_BIN"] = toolchain.PostgresBinDirectory,
                ["PGDATA"] = Path.Combine(directory, "postgres"),
                ["PGPORT"] = pgPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["POSTGRES_PASSWORD"] = password,
            });
            var redisPort = TestPorts.FreeFixed();
            var redis = NativeServer.Start("redis", Path.Combine(RepositoryPaths.NativeScripts, "redis.sh"), redisPort, new Dictionary<string, string>
            {
                ["REDIS_SERVER"] = toolchain.RedisServer,
                ["REDIS_DATA"] = Path.Combine(directory, "redis"),
                ["REDIS_PORT"] = redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["REDIS_PASSWORD"] = password,
            });
            var kafka = MockKafkaCluster.Start();

            var servers = new SharedServers
            {
                PostgresConnectionString = $"Host=localhost;Port={pgPort};Username=postgres;Password={password};Database=postgres",
                RedisConnectionString = $"localhost:{redisPort},password={password}",
                Kafka = kafka,
            };
            AppDomain.CurrentDomain.ProcessExit += (_, _) => kafka.Dispose();

            await WaitUntilAsync(postgres, async () =>
            {
                await using var connection = new NpgsqlConnection(servers.PostgresConnectionString);
                await connection.OpenAsync();
            });
            await WaitUntilAsync(redis, async () =>
            {
                await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(servers.RedisConnectionString);
                await connection.GetDatabase().PingAsync();
            });
            await kafka.WaitUntilReadyAsync([], TimeSpan.FromSeconds(30));
            return servers;
        }

        private static async Task WaitUntilAsync(NativeServer server, Func<Task> probe)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    await probe();
                    return;
                }
                catch (Exception ex) when (ex is NpgsqlException or StackExchange.Redis.RedisConnectionException or System.Net.Sockets.SocketException)
                {
                    if (server.HasExited || DateTime.UtcNow > deadline)
                    {
                        throw new InvalidOperationException(
                            $"{server.Name} on port {server.Port} did not accept connections ({ex.Message}). Output:\n{server.RecentOutput}", ex);
                    }

                    await Task.Delay(100);
                }
            }
        }
    }
}
