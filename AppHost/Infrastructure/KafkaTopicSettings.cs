using Microsoft.Extensions.Configuration;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>The platform's topics, declared once in the AppHost's configuration and provisioned in both modes.</summary>
public sealed record KafkaTopic(string Name, int Partitions);

public static class KafkaTopicSettings
{
    public static IReadOnlyList<KafkaTopic> Read(IConfiguration configuration)
    {
        var defaultPartitions = configuration.GetValue("Kafka:DefaultPartitions", 12);
        var topics = new List<KafkaTopic>();
        foreach (var section in configuration.GetSection("Kafka:Topics").GetChildren())
        {
            var name = section["Name"];
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new InfrastructureConfigurationException($"Kafka:Topics:{section.Key} has no Name. Give every topic in AppHost/appsettings.json a Name.");
            }

            var partitions = section.GetValue("Partitions", defaultPartitions);
            if (partitions < 1)
            {
                throw new InfrastructureConfigurationException($"Kafka topic '{name}' has {partitions} partitions. Use 1 or more.");
            }

            topics.Add(new KafkaTopic(name, partitions));
        }

        return topics;
    }

    /// <summary>The same list as <c>Kafka__Topics__i__Name/Partitions</c> variables, for a process that provisions them.</summary>
    public static IEnumerable<KeyValuePair<string, string>> AsEnvironment(IReadOnlyList<KafkaTopic> topics) =>
        topics.SelectMany((topic, i) => new[]
        {
            KeyValuePair.Create($"Kafka__Topics__{i}__Name", topic.Name),
            KeyValuePair.Create($"Kafka__Topics__{i}__Partitions", topic.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        });
}
