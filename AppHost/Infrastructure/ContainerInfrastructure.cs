using AspireShop.AppHost.Infrastructure.Debezium;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>
/// Containers mode: the real engines (Postgres with logical decoding, Redis, Kafka in KRaft mode, Elasticsearch,
/// Debezium Connect), each with a data volume and a health check. This is also what the azd manifest describes.
/// </summary>
public static class ContainerInfrastructure
{
    private const string KafkaInternalPort = "29092";

    public static PlatformInfrastructure Add(IDistributedApplicationBuilder builder, IReadOnlyList<KafkaTopic> topics)
    {
        var cdcSources = CdcSettings.Read(builder.Configuration);
        var postgres = builder.AddPostgres("postgres")
            .WithDataVolume("aspireshop-postgres")
            // Logical decoding for Debezium; slots are bounded so an idle connector cannot fill the disk.
            .WithArgs("-c", "wal_level=logical", "-c", "max_replication_slots=32", "-c", "max_wal_senders=32", "-c", "max_slot_wal_keep_size=2GB");

        var redis = builder.AddRedis("redis").WithDataVolume("aspireshop-redis");

        var kafka = AddKafka(builder);
        var kafkaTopics = AddTopicProvisioning(builder, kafka, topics);

        var elasticsearch = builder.AddResource(new ElasticsearchContainerResource("elasticsearch"))
            .WithImage("elasticsearch/elasticsearch", "9.1.5")
            .WithImageRegistry("docker.elastic.co")
            .WithHttpEndpoint(targetPort: 9200, name: ElasticsearchContainerResource.EndpointName)
            .WithEnvironment("discovery.type", "single-node")
            .WithEnvironment("xpack.security.enabled", "false")
            .WithEnvironment("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
            .WithVolume("aspireshop-elasticsearch", "/usr/share/elasticsearch/data")
            .WithHttpHealthCheck("/_cluster/health?wait_for_status=yellow&timeout=5s");

        builder.AddContainer("debezium", "debezium/connect", "3.2")
            .WithImageRegistry("quay.io")
            .WithHttpEndpoint(targetPort: 8083, name: "http")
            .WithEnvironment("BOOTSTRAP_SERVERS", $"kafka:{KafkaInternalPort}")
            .WithEnvironment("GROUP_ID", "aspireshop-connect")
            .WithEnvironment("CONFIG_STORAGE_TOPIC", "connect_configs")
            .WithEnvironment("OFFSET_STORAGE_TOPIC", "connect_offsets")
            .WithEnvironment("STATUS_STORAGE_TOPIC", "connect_statuses")
            .WithEnvironment("CONFIG_STORAGE_REPLICATION_FACTOR", "1")
            .WithEnvironment("OFFSET_STORAGE_REPLICATION_FACTOR", "1")
            .WithEnvironment("STATUS_STORAGE_REPLICATION_FACTOR", "1")
            .WithReference(postgres)
            .WaitFor(postgres)
            .WaitForCompletion(kafkaTopics)
            .WithHttpHealthCheck("/connectors")
            .WithCdcConnectors(postgres, cdcSources);

        return new PlatformInfrastructure(
            InfrastructureMode.Containers,
            redis,
            kafka,
            elasticsearch,
            addDatabase: name => postgres.AddDatabase(name));
    }

    private static IResourceBuilder<KafkaContainerResource> AddKafka(IDistributedApplicationBuilder builder)
    {
        var kafka = builder.AddResource(new KafkaContainerResource("kafka"))
            .WithImage("apache/kafka", "4.1.0")
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: 9092, name: KafkaContainerResource.EndpointName, scheme: "tcp")
            .WithEnvironment("KAFKA_NODE_ID", "1")
            .WithEnvironment("KAFKA_PROCESS_ROLES", "broker,controller")
            .WithEnvironment("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
            .WithEnvironment("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
            .WithEnvironment("KAFKA_LISTENERS", $"PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:{KafkaInternalPort},CONTROLLER://0.0.0.0:9093")
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT")
            .WithEnvironment("KAFKA_INTER_BROKER_LISTENER_NAME", "INTERNAL")
            .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            .WithEnvironment("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
            .WithEnvironment("KAFKA_LOG_DIRS", "/var/lib/kafka/data")
            .WithVolume("aspireshop-kafka", "/var/lib/kafka/data");

        // Clients on the host reach the proxied port; containers (Debezium) use the internal listener by name.
        var endpoint = kafka.Resource.PrimaryEndpoint;
        kafka.WithEnvironment(context =>
            context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                $"PLAINTEXT://{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)},INTERNAL://kafka:{KafkaInternalPort}"));

        var healthCheck = "kafka_check";
        string? bootstrap = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(kafka.Resource, async (_, ct) =>
            bootstrap = await kafka.Resource.ConnectionStringExpression.GetValueAsync(ct).ConfigureAwait(false));
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            healthCheck, _ => new KafkaMetadataHealthCheck(() => bootstrap), failureStatus: null, tags: null));

        return kafka.WithHealthCheck(healthCheck);
    }

    private static IResourceBuilder<ContainerResource> AddTopicProvisioning(
        IDistributedApplicationBuilder builder, IResourceBuilder<KafkaContainerResource> kafka, IReadOnlyList<KafkaTopic> topics)
    {
        var script = string.Join(" && ", topics.Select(topic =>
            $"/opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:{KafkaInternalPort} --create --if-not-exists --topic {topic.Name} --partitions {topic.Partitions} --replication-factor 1"));
        return builder.AddContainer("kafka-topics", "apache/kafka", "4.1.0")
            .WithImageRegistry("docker.io")
            .WithEntrypoint("/bin/sh")
            .WithArgs("-c", script.Length > 0 ? script : "true")
            .WaitFor(kafka);
    }
}

/// <summary>Kafka in KRaft mode as a container whose connection string is its bootstrap address.</summary>
public sealed class KafkaContainerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

/// <summary>Elasticsearch as a container whose connection string is its HTTP address.</summary>
public sealed class ElasticsearchContainerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "http";

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Url)}");
}
