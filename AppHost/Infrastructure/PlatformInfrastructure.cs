namespace AspireShop.AppHost.Infrastructure;

/// <summary>
/// The infrastructure every service sees, under the same connection names in both modes, so no service knows the mode.
/// </summary>
public sealed class PlatformInfrastructure(
    InfrastructureMode mode,
    IResourceBuilder<IResourceWithConnectionString> redis,
    IResourceBuilder<IResourceWithConnectionString> kafka,
    IResourceBuilder<IResourceWithConnectionString>? search,
    Func<string, IResourceBuilder<IResourceWithConnectionString>> addDatabase,
    string? dataDirectory = null)
{
    public const string RedisConnectionName = "redis";
    public const string KafkaConnectionName = "kafka";
    public const string SearchConnectionName = "search";

    public InfrastructureMode Mode { get; } = mode;

    public IResourceBuilder<IResourceWithConnectionString> Redis { get; } = redis;

    public IResourceBuilder<IResourceWithConnectionString> Kafka { get; } = kafka;

    /// <summary>Elasticsearch in containers mode; null in native mode, where Search uses its embedded Lucene index.</summary>
    public IResourceBuilder<IResourceWithConnectionString>? Search { get; } = search;

    /// <summary>Where native mode keeps its data (a service's local files go beside it); null in containers mode.</summary>
    public string? DataDirectory { get; } = dataDirectory;

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
                .WithEnvironment("Kafka__Consumer__heartbeat.interval.ms", "1000")
                // The dev broker answers a fetch only when fetch.wait.max.ms runs out (500 ms by default), data or not:
                // the wait is each hop's latency, and its inverse each consumer's fetches per second, idle or not (at
                // 10 ms, the fetch loops of an idle platform took a third of a core).
                .WithEnvironment("Kafka__Consumer__fetch.wait.max.ms", "50");
        }

        return service
            .WithReference(platform.Redis, PlatformInfrastructure.RedisConnectionName).WaitFor(platform.Redis)
            .WithReference(platform.Kafka, PlatformInfrastructure.KafkaConnectionName).WaitFor(platform.Kafka)
            .WithHttpHealthCheck("/health");
    }
}

public static class ServiceCommandExtensions
{
    public const string ReplayDeadLettersCommand = "replay-dead-letters";

    /// <summary>
    /// A dashboard button on a service that consumes Kafka: hands its consumer groups' dead letters back to their
    /// handlers once the cause is fixed (POST /admin/dead-letters/replay, mapped by the BuildingBlocks; admins only).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDeadLetterReplay(this IResourceBuilder<ProjectResource> service, DashboardAdmin admin) =>
        service.WithHttpCommand(
            "/admin/dead-letters/replay",
            "Replay dead letters",
            commandName: ReplayDeadLettersCommand,
            commandOptions: new HttpCommandOptions
            {
                Description = "Re-run this service's dead-lettered Kafka messages through their handlers",
                IconName = "ArrowReplay",
                ConfirmationMessage = "Replay every dead letter of this service's consumer groups?",
                PrepareRequest = admin.AuthorizeAsync,
            });

    /// <summary>A dashboard button for an admin endpoint, called with the dashboard client's admin token.</summary>
    public static IResourceBuilder<ProjectResource> WithAdminCommand(
        this IResourceBuilder<ProjectResource> service, DashboardAdmin admin, string path, string displayName, string commandName, string description) =>
        service.WithHttpCommand(
            path,
            displayName,
            commandName: commandName,
            commandOptions: new HttpCommandOptions
            {
                Description = description,
                IconName = "Wrench",
                PrepareRequest = admin.AuthorizeAsync,
            });
}
