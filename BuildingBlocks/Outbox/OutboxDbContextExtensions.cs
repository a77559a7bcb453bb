using Microsoft.EntityFrameworkCore;

namespace AspireShop.BuildingBlocks.Outbox;

/// <summary>The outbox and inbox for services on EF Core: events are saved by the same SaveChanges as the state change.</summary>
public static class OutboxDbContextExtensions
{
    public static ModelBuilder AddOutboxAndInbox(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OutboxMessage>(entity =>
        {
            entity.ToTable(OutboxSchema.OutboxTable);
            entity.HasKey(m => m.Id);
            entity.Property(m => m.Id).HasColumnName("id");
            entity.Property(m => m.AggregateType).HasColumnName("aggregatetype").HasMaxLength(255);
            entity.Property(m => m.AggregateId).HasColumnName("aggregateid").HasMaxLength(255);
            entity.Property(m => m.Type).HasColumnName("type").HasMaxLength(255);
            entity.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            entity.Property(m => m.TraceParent).HasColumnName("traceparent").HasMaxLength(55);
            entity.Property(m => m.TraceState).HasColumnName("tracestate").HasMaxLength(512);
            entity.Property(m => m.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        });

        modelBuilder.Entity<InboxEntry>(entity =>
        {
            entity.ToTable(OutboxSchema.InboxTable);
            entity.HasKey(m => new { m.Consumer, m.MessageId });
            entity.Property(m => m.Consumer).HasColumnName("consumer").HasMaxLength(255);
            entity.Property(m => m.MessageId).HasColumnName("message_id").HasMaxLength(255);
            entity.Property(m => m.ProcessedAt).HasColumnName("processed_at").HasDefaultValueSql("now()");
        });

        return modelBuilder;
    }

    /// <summary>Adds the event to the unit of work; it is written (and later published) only if SaveChanges commits.</summary>
    public static void AddOutboxEvent(this DbContext context, OutboxEvent outboxEvent) =>
        context.Set<OutboxMessage>().Add(new OutboxMessage
        {
            Id = outboxEvent.Id,
            AggregateType = outboxEvent.AggregateType,
            AggregateId = outboxEvent.AggregateId,
            Type = outboxEvent.Type,
            Payload = outboxEvent.Payload,
            TraceParent = outboxEvent.TraceParent,
            TraceState = outboxEvent.TraceState,
        });

    /// <summary>
    /// Records that <paramref name="consumer"/> handled <paramref name="messageId"/>, inside the current transaction.
    /// False means it was handled before: the caller skips its side effects.
    /// </summary>
    public static async Task<bool> TryRecordInboxAsync(this DbContext context, string consumer, string messageId, CancellationToken cancellationToken = default) =>
        await context.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO inbox (consumer, message_id) VALUES ({consumer}, {messageId}) ON CONFLICT DO NOTHING",
            cancellationToken) == 1;
}

public sealed class OutboxMessage
{
    public Guid Id { get; set; }

    public required string AggregateType { get; set; }

    public required string AggregateId { get; set; }

    public required string Type { get; set; }

    public required string Payload { get; set; }

    public string? TraceParent { get; set; }

    public string? TraceState { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class InboxEntry
{
    public required string Consumer { get; set; }

    public required string MessageId { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }
}
