using Confluent.Kafka;

namespace AspireShop.TestKit;

/// <summary>Finds a message on a topic as any consumer would see it: a group of its own, from the beginning.</summary>
public static class TopicReader
{
    public static Task<Message<string?, string?>> FirstAsync(
        string bootstrapServers, string topic, Func<Message<string?, string?>, bool> match, TimeSpan timeout, Func<string>? describe = null) =>
        Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = $"reader-{Guid.NewGuid():N}",
                EnableAutoCommit = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                SessionTimeoutMs = 3000,
                HeartbeatIntervalMs = 1000,
            }).SetLogHandler((_, _) => { }).Build();
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow + timeout;
            try
            {
                while (DateTime.UtcNow < deadline)
                {
                    try
                    {
                        if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message } && match(message))
                        {
                            return message;
                        }
                    }
                    catch (ConsumeException ex) when (ex.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic)
                    {
                        // A dead-letter topic appears with its first letter; until then there is nothing to find.
                    }
                }
            }
            finally
            {
                consumer.Close();
            }

            throw new TimeoutException($"No matching message on {topic} within {timeout}. {describe?.Invoke()}");
        });
}
