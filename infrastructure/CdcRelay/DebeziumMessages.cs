using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql.Replication.PgOutput;
using NpgsqlTypes;

namespace AspireShop.Infrastructure.CdcRelay;

/// <summary>The commit a change belongs to, for Debezium's <c>source</c> block.</summary>
internal readonly record struct TransactionInfo(uint Xid, long CommitMs);

/// <summary>Builds Kafka messages in Debezium's formats: change-event envelopes (JsonConverter, schemas disabled) and Outbox Event Router events.</summary>
internal sealed class DebeziumMessages(string name, string database, string version)
{
    // Jackson (Debezium's JsonConverter) does not escape <, >, &, + or non-ASCII; neither do we.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer = new(Stream.Null, WriterOptions);

    /// <summary>The key: a JSON object of the primary-key columns, or null for a table without one.</summary>
    public byte[]? Key(TableInfo table, ColumnValue[] row)
    {
        if (table.KeyColumns.Length == 0)
        {
            return null;
        }

        var writer = Start();
        writer.WriteStartObject();
        foreach (var column in table.KeyColumns)
        {
            WriteColumn(writer, table, row, column);
        }

        writer.WriteEndObject();
        return Finish();
    }

    public byte[] Envelope(TableInfo table, ColumnValue[]? before, ColumnValue[]? after, string op, TransactionInfo transaction, NpgsqlLogSequenceNumber lsn)
    {
        var writer = Start();
        writer.WriteStartObject();
        WriteRow(writer, "before", table, before);
        WriteRow(writer, "after", table, after);
        writer.WriteStartObject("source");
        writer.WriteString("version", version);
        writer.WriteString("connector", "postgresql");
        writer.WriteString("name", name);
        writer.WriteNumber("ts_ms", transaction.CommitMs);
        writer.WriteString("snapshot", "false");
        writer.WriteString("db", database);
        writer.WriteString("sequence", $"[null,\"{(ulong)lsn}\"]");
        writer.WriteString("schema", table.Schema);
        writer.WriteString("table", table.Table);
        writer.WriteNumber("txId", transaction.Xid);
        writer.WriteNumber("lsn", (ulong)lsn);
        writer.WriteNull("xmin");
        writer.WriteEndObject();
        writer.WriteString("op", op);
        writer.WriteNumber("ts_ms", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        writer.WriteNull("transaction");
        writer.WriteEndObject();
        return Finish();
    }

    /// <summary>
    /// Outbox Event Router with <c>table.expand.json.payload=true</c> and
    /// <c>table.fields.additional.placement=type:header:type,traceparent:header:traceparent,tracestate:header:tracestate</c>.
    /// </summary>
    public static (string Topic, Message<byte[]?, byte[]?> Message) OutboxEvent(TableInfo table, ColumnValue[] row)
    {
        string? Text(string column) => table.IndexOf(column) is var i and >= 0 ? row[i].Text : null;
        string Required(string column) => Text(column) ?? throw new InvalidOperationException($"Outbox row in {table.Schema}.{table.Table} has no '{column}'.");

        var headers = new Headers { { "id", Encoding.UTF8.GetBytes(Required("id")) }, { "type", Encoding.UTF8.GetBytes(Required("type")) } };
        foreach (var optional in (ReadOnlySpan<string>)["traceparent", "tracestate"])
        {
            if (Text(optional) is { } value)
            {
                headers.Add(optional, Encoding.UTF8.GetBytes(value));
            }
        }

        var message = new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes(Required("aggregateid")),
            Value = Encoding.UTF8.GetBytes(Required("payload")),
            Headers = headers,
        };
        return ($"outbox.event.{Required("aggregatetype")}", message);
    }

    private static void WriteRow(Utf8JsonWriter writer, string property, TableInfo table, ColumnValue[]? row)
    {
        if (row is null)
        {
            writer.WriteNull(property);
            return;
        }

        writer.WriteStartObject(property);
        for (var i = 0; i < row.Length; i++)
        {
            WriteColumn(writer, table, row, i);
        }

        writer.WriteEndObject();
    }

    private static void WriteColumn(Utf8JsonWriter writer, TableInfo table, ColumnValue[] row, int column)
    {
        writer.WritePropertyName(table.ColumnNames[column]);
        var value = row[column];
        switch (value.Kind)
        {
            case TupleDataKind.TextValue:
                DebeziumValue.Write(writer, table.ColumnTypes[column], value.Text!);
                break;
            case TupleDataKind.UnchangedToastedValue:
                writer.WriteStringValue(DebeziumValue.UnavailableValue);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private Utf8JsonWriter Start()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        return _writer;
    }

    private byte[] Finish()
    {
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }
}
