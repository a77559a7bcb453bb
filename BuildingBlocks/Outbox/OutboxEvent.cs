using System.Diagnostics;
using System.Text.Json;

namespace AspireShop.BuildingBlocks.Outbox;

/// <summary>
/// One integration event as it is stored in a service's <c>outbox</c> table, in the column layout of Debezium's
/// Outbox Event Router, so the same rows leave through Debezium (containers) or the CdcRelay (native).
/// </summary>
public sealed record OutboxEvent(
    Guid Id,
    string AggregateType,
    string AggregateId,
    string Type,
    string Payload,
    string? TraceParent,
    string? TraceState)
{
    public static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// An event for <paramref name="aggregateType"/> (its Kafka topic is <c>outbox.event.&lt;aggregateType&gt;</c>), keyed by
    /// <paramref name="aggregateId"/> so one aggregate's events stay ordered, carrying the current trace context.
    /// </summary>
    public static OutboxEvent Create<TPayload>(string aggregateType, string aggregateId, TPayload payload, string? type = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(aggregateType);
        ArgumentException.ThrowIfNullOrWhiteSpace(aggregateId);
        var activity = Activity.Current;
        return new OutboxEvent(
            Guid.CreateVersion7(),
            aggregateType,
            aggregateId,
            type ?? typeof(TPayload).Name,
            JsonSerializer.Serialize(payload, SerializerOptions),
            activity?.Id is { } id && activity.IdFormat == ActivityIdFormat.W3C ? id : null,
            activity?.TraceStateString);
    }
}
