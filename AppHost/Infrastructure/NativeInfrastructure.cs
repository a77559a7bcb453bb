using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>
/// Native mode: Postgres and Redis from Debian packages and the embedded Kafka broker, all as processes DCP owns, so
/// stopping the AppHost stops them. No container resource is added here: without an engine one would wait forever.
/// </summary>
public static class NativeInfrastructure
{
    public static PlatformInfrastructure Add(IDistributedApplicationBuilder builder, IReadOnlyList<KafkaTopic> topics)
    {
        var toolchain = NativeToolchain.Locate(builder.Configuration);
        var dataDirectory = ResolveDataDirectory(builder);
        var scripts = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "infrastructure", "native"));

        var cdcSources = CdcSettings.Read(builder.Configuration);

        var postgres = AddPostgres(builder, toolchain, dataDirectory, scripts);
        var redis = AddRedis(builder, toolchain, dataDirectory, scripts);
        var kafka = AddKafka(builder, topics);
        var cdc = AddCdcRelay(builder, kafka);

        return new PlatformInfrastructure(
            InfrastructureMode.Native,
            redis,
            kafka,
            search: null,
            addDatabase: name =>
            {
                var database = AddDatabase(postgres, name);
                if (cdcSources.FirstOrDefault(source => source.Database == name) is { } source)
                {
                    StreamDatabase(cdc, database, source);
                }

                return database;
            },
            dataDirectory);
    }

    /// <summary>Debezium's stand-in: one process streaming every CDC source database, in Debezium's formats.</summary>
    private static IResourceBuilder<ProjectResource> AddCdcRelay(IDistributedApplicationBuilder builder, IResourceBuilder<IResourceWithConnectionString> kafka) =>
        builder.AddProject<Projects.CdcRelay>("cdc", launchProfileName: null)
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health")
            .WithReference(kafka, PlatformInfrastructure.KafkaConnectionName)
            .WaitFor(kafka)
            .WithIconName("ArrowSync");

    private static void StreamDatabase(
        IResourceBuilder<ProjectResource> cdc, IResourceBuilder<IResourceWithConnectionString> database, CdcSourceSettings source)
    {
        var index = cdc.Resource.Annotations.OfType<CdcSourceAnnotation>().Count();
        cdc.WithAnnotation(new CdcSourceAnnotation(source.Database))
            .WithReference(database)
            .WaitFor(database)
            .WithEnvironment($"Cdc__Sources__{index}__Name", source.Database)
            .WithEnvironment($"Cdc__Sources__{index}__OutboxTable", source.OutboxTable)
            .WithEnvironment($"Cdc__Sources__{index}__SlotName", source.SlotName)
            .WithEnvironment($"Cdc__Sources__{index}__PublicationName", CdcSourceSettings.PublicationName);
        for (var table = 0; table < source.Tables.Count; table++)
        {
            cdc.WithEnvironment($"Cdc__Sources__{index}__Tables__{table}", source.Tables[table]);
        }
    }

    private sealed record CdcSourceAnnotation(string Database) : IResourceAnnotation;

    private static IResourceBuilder<NativePostgresResource> AddPostgres(
        IDistributedApplicationBuilder builder, NativeToolchain toolchain, string dataDirectory, string scripts)
    {
        var password = builder.AddParameter("postgres-password", PersistentSecret(dataDirectory, "postgres"), secret: true);
        var resource = new NativePostgresResource("postgres", scripts, password.Resource);

        var connectionString = CaptureConnectionString(builder, resource);

        // Databases are created here, as Aspire's own Postgres integration does, so services only ever migrate.
        builder.Eventing.Subscribe<ResourceReadyEvent>(resource, async (@event, ct) =>
        {
            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            await using var connection = new NpgsqlConnection(connectionString() + ";Database=postgres");
            await connection.OpenAsync(ct).ConfigureAwait(false);
            foreach (var database in resource.Databases)
            {
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
                {
                    Parameters = { new() { Value = database.DatabaseName } },
                };
                if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName}\"", connection);
                    await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                // A database has no process of its own: it runs once it exists, and its health check takes it from there.
                await notifications.PublishUpdateAsync(database, state => state with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                }).ConfigureAwait(false);
            }
        });

        var healthCheck = "postgres_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString() + ";Database=postgres",
            name: healthCheck);

        return builder.AddResource(resource)
            .WithArgs(Path.Combine(scripts, "postgres.sh"))
            .WithEndpoint(name: NativePostgresResource.EndpointName, scheme: "tcp", env: "PGPORT", isProxied: false)
            .WithEnvironment("PG_BIN", toolchain.PostgresBinDirectory)
            .WithEnvironment("PGDATA", Path.Combine(dataDirectory, "postgres"))
            .WithEnvironment("POSTGRES_PASSWORD", password)
            // Off by default (a reproducible dev cluster); benchmarks of durable writes turn it on (Infrastructure:Postgres:Fsync).
            .WithEnvironment("PG_FSYNC", string.Equals(builder.Configuration["Infrastructure:Postgres:Fsync"], "true", StringComparison.OrdinalIgnoreCase) ? "on" : "off")
            .WithHealthCheck(healthCheck)
            .WithIconName("Database");
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddDatabase(IResourceBuilder<NativePostgresResource> server, string name)
    {
        var database = new NativePostgresDatabaseResource(name, server.Resource);
        server.Resource.Databases.Add(database);

        var connectionString = CaptureConnectionString(server.ApplicationBuilder, database);

        var healthCheck = $"{name}_check";
        server.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString(),
            name: healthCheck);

        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("DatabaseStack");
    }

    private static IResourceBuilder<NativeRedisResource> AddRedis(
        IDistributedApplicationBuilder builder, NativeToolchain toolchain, string dataDirectory, string scripts)
    {
        var password = builder.AddParameter("redis-password", PersistentSecret(dataDirectory, "redis"), secret: true);
        var resource = new NativeRedisResource("redis", scripts, password.Resource);

        var connectionString = CaptureConnectionString(builder, resource);

        var healthCheck = "redis_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString(),
            name: healthCheck);

        return builder.AddResource(resource)
            .WithArgs(Path.Combine(scripts, "redis.sh"))
            .WithEndpoint(name: NativeRedisResource.EndpointName, scheme: "tcp", env: "REDIS_PORT", isProxied: false)
            .WithEnvironment("REDIS_SERVER", toolchain.RedisServer)
            .WithEnvironment("REDIS_DATA", Path.Combine(dataDirectory, "redis"))
            .WithEnvironment("REDIS_PASSWORD", password)
            .WithHealthCheck(healthCheck)
            .WithIconName("Memory");
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddKafka(IDistributedApplicationBuilder builder, IReadOnlyList<KafkaTopic> topics)
    {
        // The broker advertises the port DCP allocates (not proxied), so clients in other processes reach it directly.
        var broker = builder.AddProject<Projects.EmbeddedKafka>("kafka", launchProfileName: null)
            .WithHttpEndpoint()
            .WithEndpoint(name: "broker", scheme: "tcp", env: "KAFKA_PORT", isProxied: false)
            .WithHttpHealthCheck("/health")
            .WithIconName("ArrowSwap");
        foreach (var (key, value) in KafkaTopicSettings.AsEnvironment(topics))
        {
            broker.WithEnvironment(key, value);
        }

        var endpoint = broker.GetEndpoint("broker");
        // A WaitFor on the connection string alone returns at once; it must wait for the broker itself.
        return builder.AddConnectionString("kafka-bootstrap",
                ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}"))
            .WaitFor(broker);
    }

    /// <summary>
    /// The resource's connection string once DCP allocated its port; health checks and start-up hooks read it later.
    /// </summary>
    private static Func<string> CaptureConnectionString(IDistributedApplicationBuilder builder, IResourceWithConnectionString resource)
    {
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, ct) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(ct).ConfigureAwait(false));
        return () => connectionString ?? throw new InvalidOperationException($"{resource.Name} has no connection string yet");
    }

    private static string ResolveDataDirectory(IDistributedApplicationBuilder builder)
    {
        // Not under the repo by default: a clone in /root is not traversable by the postgres user the server runs as.
        var configured = builder.Configuration["Infrastructure:DataDirectory"];
        var directory = configured is { Length: > 0 }
            ? Path.GetFullPath(configured)
            : Path.Combine("/var/tmp/aspireshop", Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(builder.AppHostDirectory)))[..12]);
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        }

        return directory;
    }

    /// <summary>A password kept beside the data it protects, because initdb bakes it in on first start.</summary>
    private static string PersistentSecret(string dataDirectory, string name)
    {
        var path = Path.Combine(dataDirectory, $"{name}.password");
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(path, secret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return secret;
    }
}
