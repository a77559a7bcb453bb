using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace AspireShop.BuildingBlocks.Messaging;

/// <summary>A Kafka message as a handler sees it, with the id its consumer's inbox deduplicates on.</summary>
public sealed record ReceivedMessage(
    string Topic,
    int Partition,
    long Offset,
    string? Key,
    string? Value,
    IReadOnlyDictionary<string, string> Headers,
    int Attempt)
{
    public const string IdHeader = "id";
    public const string TypeHeader = "type";

    /// <summary>
    /// The event id from the outbox (header <c>id</c>, the same after any redelivery); for messages without one, their
    /// position, which only deduplicates redelivery of that exact record.
    /// </summary>
    public string MessageId => Headers.TryGetValue(IdHeader, out var id) && id.Length > 0
        ? id
        : string.Create(CultureInfo.InvariantCulture, $"{Topic}/{Partition}/{Offset}");

    public string? Type => Headers.GetValueOrDefault(TypeHeader);

    public static ReceivedMessage From(ConsumeResult<string?, string?> result, int attempt = 1) => new(
        result.Topic,
        result.Partition.Value,
        result.Offset.Value,
        result.Message.Key,
        result.Message.Value,
        ReadHeaders(result.Message.Headers),
        attempt);

    public static Dictionary<string, string> ReadHeaders(Headers? headers)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in headers ?? [])
        {
            // The last value wins, as Kafka's own lastHeader does.
            values[header.Key] = Encoding.UTF8.GetString(header.GetValueBytes());
        }

        return values;
    }
}
