namespace AspireShop.BuildingBlocks.Outbox;

/// <summary>DDL for the two tables every event-driven service database has (EF migrations call the same SQL).</summary>
public static class OutboxSchema
{
    public const string OutboxTable = "outbox";
    public const string InboxTable = "inbox";

    public const string CreateOutboxTable = """
        CREATE TABLE IF NOT EXISTS outbox (
            id uuid PRIMARY KEY,
            aggregatetype varchar(255) NOT NULL,
            aggregateid varchar(255) NOT NULL,
            type varchar(255) NOT NULL,
            payload jsonb NOT NULL,
            traceparent varchar(55),
            tracestate varchar(512),
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """;

    // One row per (consumer group, event id), written in the handler's own transaction: a redelivery finds it and skips.
    public const string CreateInboxTable = """
        CREATE TABLE IF NOT EXISTS inbox (
            consumer varchar(255) NOT NULL,
            message_id varchar(255) NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, message_id)
        );
        """;

    public const string CreateAll = CreateOutboxTable + "\n" + CreateInboxTable;
}
