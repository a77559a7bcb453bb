using System.Text.Json;
using AspireShop.Infrastructure.PaymentProvider.Apis;
using Npgsql;
using NpgsqlTypes;

namespace AspireShop.Infrastructure.PaymentProvider.Data;

/// <summary>
/// The SQL of intents, refunds and the ledger. A refund goes through one guarded UPDATE (and the table's CHECK), so
/// concurrent refunds can never take more than was captured, whatever their callers read before.
/// </summary>
public static class PaymentStore
{
    public const string OrderReferenceKey = "order_reference";

    private const string IntentColumns =
        "id, amount, amount_received, amount_refunded, currency, status, payment_method, metadata::text, last_payment_error::text, created";

    public static async Task InsertIntentAsync(NpgsqlTransaction transaction, PaymentIntentObject intent, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO payment_intents (id, amount, amount_received, currency, status, payment_method, metadata, order_reference, last_payment_error, created)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            transaction.Connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = intent.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = intent.Amount });
        command.Parameters.Add(new NpgsqlParameter { Value = intent.AmountReceived });
        command.Parameters.Add(new NpgsqlParameter { Value = intent.Currency });
        command.Parameters.Add(new NpgsqlParameter { Value = intent.Status });
        command.Parameters.Add(new NpgsqlParameter { Value = intent.PaymentMethod });
        command.Parameters.Add(Jsonb(intent.Metadata));
        command.Parameters.Add(new NpgsqlParameter { Value = intent.Metadata.GetValueOrDefault(OrderReferenceKey) ?? (object)DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(intent.LastPaymentError is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb } : Jsonb(intent.LastPaymentError));
        command.Parameters.Add(new NpgsqlParameter { Value = intent.Created });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The intent, row-locked until the transaction ends when <paramref name="transaction"/> is given.</summary>
    public static async Task<PaymentIntentObject?> FindIntentAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {IntentColumns} FROM payment_intents WHERE id = $1{(transaction is null ? "" : " FOR UPDATE")}", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? MapIntent(reader) : null;
    }

    /// <summary>Oldest first; with an order reference, only that order's intents.</summary>
    public static async Task<ListObject<PaymentIntentObject>> ListIntentsAsync(
        NpgsqlConnection connection, string? orderReference, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {IntentColumns} FROM payment_intents WHERE $1::text IS NULL OR order_reference = $1 ORDER BY seq LIMIT $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = orderReference ?? (object)DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit + 1 });
        var intents = new List<PaymentIntentObject>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            intents.Add(MapIntent(reader));
        }

        var hasMore = intents.Count > limit;
        return new ListObject<PaymentIntentObject>(hasMore ? intents[..limit] : intents, hasMore);
    }

    /// <summary>Adds <paramref name="amount"/> to what was refunded if it stays within what was captured; null if not.</summary>
    public static async Task<PaymentIntentObject?> TryAddRefundAsync(NpgsqlTransaction transaction, string id, long amount, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE payment_intents SET amount_refunded = amount_refunded + $2
            WHERE id = $1 AND status = '{IntentStatus.Succeeded}' AND amount_refunded + $2 <= amount_received
            RETURNING {IntentColumns}
            """,
            transaction.Connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = amount });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? MapIntent(reader) : null;
    }

    public static async Task InsertRefundAsync(NpgsqlTransaction transaction, RefundObject refund, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO refunds (id, payment_intent, amount, currency, status, metadata, created) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            transaction.Connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = refund.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = refund.PaymentIntent });
        command.Parameters.Add(new NpgsqlParameter { Value = refund.Amount });
        command.Parameters.Add(new NpgsqlParameter { Value = refund.Currency });
        command.Parameters.Add(new NpgsqlParameter { Value = refund.Status });
        command.Parameters.Add(Jsonb(refund.Metadata));
        command.Parameters.Add(new NpgsqlParameter { Value = refund.Created });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Captured charges and refunds, oldest first; with an order reference, only that order's.</summary>
    public static async Task<LedgerObject> LedgerAsync(NpgsqlConnection connection, string? orderReference, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    $"""
                    SELECT id, order_reference, amount_received, currency, created FROM payment_intents
                    WHERE status = '{IntentStatus.Succeeded}' AND ($1::text IS NULL OR order_reference = $1) ORDER BY seq
                    """),
                new NpgsqlBatchCommand(
                    """
                    SELECT r.id, r.payment_intent, i.order_reference, r.amount, r.created FROM refunds r JOIN payment_intents i ON i.id = r.payment_intent
                    WHERE $1::text IS NULL OR i.order_reference = $1 ORDER BY r.seq
                    """),
            },
        };
        foreach (var command in batch.BatchCommands)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = orderReference ?? (object)DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }

        var charges = new List<LedgerCharge>();
        var refunds = new List<LedgerRefund>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            charges.Add(new LedgerCharge(reader.GetString(0), NullableString(reader, 1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4)));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            refunds.Add(new LedgerRefund(reader.GetString(0), reader.GetString(1), NullableString(reader, 2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return new LedgerObject(charges, refunds);
    }

    private static NpgsqlParameter Jsonb<T>(T value) =>
        new() { Value = JsonSerializer.Serialize(value, ProviderJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static PaymentIntentObject MapIntent(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Amount = reader.GetInt64(1),
        AmountReceived = reader.GetInt64(2),
        AmountRefunded = reader.GetInt64(3),
        Currency = reader.GetString(4),
        Status = reader.GetString(5),
        PaymentMethod = reader.GetString(6),
        Metadata = JsonSerializer.Deserialize<SortedDictionary<string, string>>(reader.GetString(7), ProviderJson.Options)!,
        LastPaymentError = reader.IsDBNull(8) ? null : JsonSerializer.Deserialize<PaymentError>(reader.GetString(8), ProviderJson.Options),
        Created = reader.GetInt64(9),
    };
}
