namespace AspireShop.AppHost.Infrastructure;

/// <summary>
/// The infrastructure every service sees, under the same connection names in both modes, so no service knows the mode.
/// </summary>
public sealed class PlatformInfrastructure(
    InfrastructureMode mode,
    IResourceBuilder<IResourceWithConnectionString> redis,
    IResourceBuilder<IResourceWithConnectionString> kafka,
    IResourceBuilder<IResourceWithConnectionString>? search,
    Func<string, IResourceBuilder<IResourceWithConnectionString>> addDatabase)
{
    public const string RedisConnectionName = "redis";
    public const string KafkaConnectionName = "kafka";
    public const string SearchConnectionName = "search";

    public InfrastructureMode Mode { get; } = mode;

    public IResourceBuilder<IResourceWithConnectionString> Redis { get; } = redis;

    public IResourceBuilder<IResourceWithConnectionString> Kafka { get; } = kafka;

    /// <summary>Elasticsearch in containers mode; null in native mode, where Search uses its embedded Lucene index.</summary>
    public IResourceBuilder<IResourceWithConnectionString>? Search { get; } = search;

    /// <summary>One database per service on the one Postgres server; the resource name is the connection name.</summary>
    public IResourceBuilder<IResourceWithConnectionString> AddDatabase(string name) => addDatabase(name);
}

public static class PlatformInfrastructureExtensions
{
    /// <summary>Gives a service its database plus the shared Redis and Kafka, and starts it only once they are healthy.</summary>
    public static IResourceBuilder<ProjectResource> WithPlatform(
        this IResourceBuilder<ProjectResource> service,
        PlatformInfrastructure platform,
        IResourceBuilder<IResourceWithConnectionString>? database = null)
    {
        if (database is not null)
        {
            service.WithReference(database).WaitFor(database);
        }

        if (platform.Mode == InfrastructureMode.Native)
        {
            // The dev broker rebalances after session.timeout.ms - 1 s; short sessions keep restarts and tests quick.
            service.WithEnvironment("Kafka__Consumer__session.timeout.ms", "3000")
                .WithEnvironment("Kafka__Consumer__heartbeat.interval.ms", "1000");
        }

        return service
            .WithReference(platform.Redis, PlatformInfrastructure.RedisConnectionName).WaitFor(platform.Redis)
            .WithReference(platform.Kafka, PlatformInfrastructure.KafkaConnectionName).WaitFor(platform.Kafka)
            .WithHttpHealthCheck("/health");
    }
}
