namespace AspireShop.AppHost.Infrastructure;

public static class InfrastructureExtensions
{
    /// <summary>Adds Postgres, Redis, Kafka (and, with containers, Elasticsearch and Debezium) for the chosen mode.</summary>
    public static PlatformInfrastructure AddPlatformInfrastructure(this IDistributedApplicationBuilder builder)
    {
        // A deployment (azd, manifest) always describes the real engines; the native stand-ins are for this machine only.
        var mode = builder.ExecutionContext.IsPublishMode
            ? InfrastructureModeResolver.ResolveForPublish(builder.Configuration)
            : InfrastructureModeResolver.Resolve(builder.Configuration);
        var topics = KafkaTopicSettings.Read(builder.Configuration);
        return mode == InfrastructureMode.Containers
            ? ContainerInfrastructure.Add(builder, topics)
            : NativeInfrastructure.Add(builder, topics);
    }
}
