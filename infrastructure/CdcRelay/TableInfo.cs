using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;

namespace AspireShop.Infrastructure.CdcRelay;

/// <summary>One column of a row image as pgoutput sent it (text format).</summary>
internal readonly record struct ColumnValue(TupleDataKind Kind, string? Text)
{
    public static readonly ColumnValue Null = new(TupleDataKind.Null, null);
}

/// <summary>What the relay knows about a relation; copied out of the RelationMessage, which Npgsql reuses.</summary>
internal sealed class TableInfo
{
    public required string Schema { get; init; }

    public required string Table { get; init; }

    public required string[] ColumnNames { get; init; }

    public required uint[] ColumnTypes { get; init; }

    /// <summary>Primary-key column indexes in key order, or empty when the table has none (Debezium then sends a null key).</summary>
    public required int[] KeyColumns { get; init; }

    public required RelationMessage.ReplicaIdentitySetting ReplicaIdentity { get; init; }

    /// <summary>The change-event topic, or null when the table is not captured.</summary>
    public string? Topic { get; init; }

    public bool IsOutbox { get; init; }

    public int IndexOf(string column) => Array.IndexOf(ColumnNames, column);
}
