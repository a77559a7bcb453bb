using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace AspireShop.BuildingBlocks.Messaging;

/// <summary>The dead-letter record: the original key, value and headers, plus where it came from and why it failed.</summary>
public static class DeadLetter
{
    public const string OriginalTopicHeader = "dlq-original-topic";
    public const string OriginalPartitionHeader = "dlq-original-partition";
    public const string OriginalOffsetHeader = "dlq-original-offset";
    public const string AttemptsHeader = "dlq-attempts";
    public const string ErrorHeader = "dlq-error";
    public const string FailedAtHeader = "dlq-failed-at";

    public static Message<string?, string?> Create(ConsumeResult<string?, string?> result, Exception error, int attempts)
    {
        var headers = new Headers();
        foreach (var header in result.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        Add(headers, OriginalTopicHeader, result.Topic);
        Add(headers, OriginalPartitionHeader, result.Partition.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, OriginalOffsetHeader, result.Offset.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, AttemptsHeader, attempts.ToString(CultureInfo.InvariantCulture));
        // Type and message only: a full stack trace can exceed what the broker accepts for one record.
        var reason = $"{error.GetType().FullName}: {error.Message}";
        Add(headers, ErrorHeader, reason.Length > 2000 ? reason[..2000] : reason);
        Add(headers, FailedAtHeader, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        return new Message<string?, string?> { Key = result.Message.Key, Value = result.Message.Value, Headers = headers };
    }

    /// <summary>The message as its handler first saw it, rebuilt from a dead-letter record for a replay.</summary>
    public static ReceivedMessage ToOriginal(ConsumeResult<string?, string?> deadLetter)
    {
        var headers = ReceivedMessage.ReadHeaders(deadLetter.Message.Headers);
        return new ReceivedMessage(
            headers.GetValueOrDefault(OriginalTopicHeader, deadLetter.Topic),
            int.TryParse(headers.GetValueOrDefault(OriginalPartitionHeader), CultureInfo.InvariantCulture, out var partition) ? partition : -1,
            long.TryParse(headers.GetValueOrDefault(OriginalOffsetHeader), CultureInfo.InvariantCulture, out var offset) ? offset : -1,
            deadLetter.Message.Key,
            deadLetter.Message.Value,
            headers,
            Attempt: 1);
    }

    private static void Add(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));
}
