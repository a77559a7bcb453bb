using Npgsql;
using NpgsqlTypes;

namespace AspireShop.BuildingBlocks.Outbox;

/// <summary>
/// Writes events into the outbox inside the caller's transaction: the event exists exactly when the state change does,
/// and CDC publishes it after commit. Code on EF Core uses <see cref="OutboxDbContextExtensions"/> instead.
/// </summary>
public static class OutboxWriter
{
    private const string Insert = """
        INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, traceparent, tracestate)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """;

    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxEvent outboxEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var command = CreateCommand(connection, transaction, outboxEvent);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<OutboxEvent> outboxEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var outboxEvent in outboxEvents)
        {
            batch.BatchCommands.Add(CreateBatchCommand(outboxEvent));
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static NpgsqlCommand CreateCommand(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxEvent e)
    {
        var command = new NpgsqlCommand(Insert, connection, transaction);
        AddParameters(command.Parameters, e);
        return command;
    }

    /// <summary>The insert as a command for the caller's own batch (a state change and its event in one round trip).</summary>
    public static NpgsqlBatchCommand CreateBatchCommand(OutboxEvent e)
    {
        var command = new NpgsqlBatchCommand(Insert);
        AddParameters(command.Parameters, e);
        return command;
    }

    private static void AddParameters(NpgsqlParameterCollection parameters, OutboxEvent e)
    {
        parameters.Add(new NpgsqlParameter { Value = e.Id });
        parameters.Add(new NpgsqlParameter { Value = e.AggregateType });
        parameters.Add(new NpgsqlParameter { Value = e.AggregateId });
        parameters.Add(new NpgsqlParameter { Value = e.Type });
        parameters.Add(new NpgsqlParameter { Value = e.Payload, NpgsqlDbType = NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter { Value = (object?)e.TraceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar });
        parameters.Add(new NpgsqlParameter { Value = (object?)e.TraceState ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar });
    }
}
