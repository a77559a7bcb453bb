using System.Text.RegularExpressions;
using Npgsql;

namespace AspireShop.Infrastructure.CdcRelay;

/// <summary>Catalog work on a normal connection: the publication, the slot and primary keys.</summary>
internal static partial class ReplicationSetup
{
    public static async Task EnsurePublicationAndSlotAsync(NpgsqlDataSource database, CdcSource source, CancellationToken cancellationToken)
    {
        if (!Identifier().IsMatch(source.PublicationName) || !Identifier().IsMatch(source.SlotName))
        {
            throw new InvalidOperationException($"Publication '{source.PublicationName}' and slot '{source.SlotName}' must be lower-case identifiers of at most 63 characters.");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (await ScalarAsync(connection, "SELECT count(*) FROM pg_publication WHERE pubname = $1", source.PublicationName, cancellationToken) is 0L)
        {
            // FOR ALL TABLES as Debezium's publication.autocreate.mode=all_tables: tables created later by migrations are included.
            await IgnoreDuplicateAsync(connection, $"CREATE PUBLICATION \"{source.PublicationName}\" FOR ALL TABLES", null, cancellationToken);
        }

        var slotDatabase = await ScalarAsync(connection, "SELECT database FROM pg_replication_slots WHERE slot_name = $1", source.SlotName, cancellationToken);
        if (slotDatabase is null)
        {
            // Its own command: creating a slot inside a transaction that already wrote fails.
            await IgnoreDuplicateAsync(connection, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", source.SlotName, cancellationToken);
        }
        else if ((string)slotDatabase != connection.Database)
        {
            throw new InvalidOperationException($"Slot '{source.SlotName}' belongs to database '{slotDatabase}', not '{connection.Database}': give source '{source.Name}' its own SlotName.");
        }
    }

    /// <summary>Primary-key column names in key order; with REPLICA IDENTITY FULL pgoutput flags every column as key, so the catalog decides.</summary>
    public static async Task<string[]> PrimaryKeyAsync(NpgsqlDataSource database, uint relationId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            """
            SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = $1 AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = relationId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return [.. names];
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, string parameter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter { Value = parameter } } };
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is DBNull ? null : result;
    }

    private static async Task IgnoreDuplicateAsync(NpgsqlConnection connection, string sql, string? parameter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateObject)
        {
            // Another relay instance created it between our check and our create.
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
