using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace AspireShop.ServiceDefaults.Messaging;

/// <summary>
/// Creates Kafka clients from <c>ConnectionStrings:kafka</c>, standing in for Aspire.Confluent.Kafka (not served).
/// Extra librdkafka settings come from <c>Kafka:Producer</c> / <c>Kafka:Consumer</c> (e.g. <c>session.timeout.ms</c>),
/// so dev and test can shorten rebalances without code changes.
/// </summary>
public sealed class KafkaClientFactory(string bootstrapServers, IConfiguration configuration)
{
    public string BootstrapServers { get; } = bootstrapServers;

    public ProducerConfig CreateProducerConfig(Action<ProducerConfig>? configure = null)
    {
        // Idempotent + acks=all: a retried send never duplicates or reorders within a partition.
        var config = new ProducerConfig
        {
            BootstrapServers = BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 2,
        };
        Apply(config, configuration.GetSection("Kafka:Producer"));
        configure?.Invoke(config);
        return config;
    }

    public ConsumerConfig CreateConsumerConfig(string groupId, Action<ConsumerConfig>? configure = null)
    {
        // Manual commits only: an offset is committed after the handler finished, never before.
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        Apply(config, configuration.GetSection("Kafka:Consumer"));
        configure?.Invoke(config);
        return config;
    }

    public IProducer<TKey, TValue> CreateProducer<TKey, TValue>(Action<ProducerConfig>? configure = null) =>
        new ProducerBuilder<TKey, TValue>(CreateProducerConfig(configure)).Build();

    public IConsumer<TKey, TValue> CreateConsumer<TKey, TValue>(string groupId, Action<ConsumerConfig>? configure = null) =>
        new ConsumerBuilder<TKey, TValue>(CreateConsumerConfig(groupId, configure)).Build();

    public IAdminClient CreateAdminClient() =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();

    private static void Apply(ClientConfig config, IConfigurationSection section)
    {
        foreach (var setting in section.GetChildren())
        {
            if (setting.Value is not null)
            {
                config.Set(setting.Key, setting.Value);
            }
        }
    }
}
