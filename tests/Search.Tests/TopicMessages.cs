using Confluent.Kafka;

namespace AspireShop.Search.Tests;

public sealed record TopicMessage(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value)
{
    public string KeyText => Key is null ? "" : System.Text.Encoding.UTF8.GetString(Key);

    public string? ValueText => Value is null ? null : System.Text.Encoding.UTF8.GetString(Value);
}

/// <summary>Reads topics as they are and writes messages back into them, to replay history at the consumers.</summary>
public static class TopicMessages
{
    /// <summary>Every message currently in the topic, per partition in offset order.</summary>
    public static List<TopicMessage> ReadAll(string bootstrapServers, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AllowAutoCreateTopics = false,
        }).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => p.PartitionId).ToList();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var messages = new List<TopicMessage>();
        var atEnd = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (atEnd.Count < partitions.Count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }

            messages.Add(new TopicMessage(topic, result.Partition.Value, result.Offset.Value, result.Message.Key, result.Message.Value));
        }

        return messages;
    }

    /// <summary>Produces the messages again, each to the partition it came from, in the order given.</summary>
    public static async Task ProduceAsync(string bootstrapServers, IEnumerable<TopicMessage> messages)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = bootstrapServers, EnableIdempotence = true }).Build();
        foreach (var message in messages)
        {
            await producer.ProduceAsync(
                new TopicPartition(message.Topic, message.Partition),
                new Message<byte[]?, byte[]?> { Key = message.Key, Value = message.Value });
        }
    }

    public static async Task ProduceAsync(string bootstrapServers, string topic, string key, string value, string? id = null)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Partitioner = Partitioner.Murmur2Random,
        }).Build();
        var headers = new Headers();
        if (id is not null)
        {
            headers.Add("id", System.Text.Encoding.UTF8.GetBytes(id));
        }

        await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = value, Headers = headers });
    }
}
