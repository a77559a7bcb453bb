namespace AspireShop.Catalog.API.Events;

/// <summary>The placeholder's integration event: proves request → outbox → CDC → Kafka → idempotent consumer.</summary>
public sealed record PingRecorded(Guid PingId, DateTimeOffset RecordedAt)
{
    public const string AggregateType = "ping";
    public const string Topic = "outbox.event." + AggregateType;
}
