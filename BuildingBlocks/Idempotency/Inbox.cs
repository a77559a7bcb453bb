using Npgsql;

namespace AspireShop.BuildingBlocks.Idempotency;

/// <summary>
/// Idempotent consumers for Npgsql code: record the message in the same transaction as the handler's changes, so a
/// redelivered message (Kafka is at-least-once, and so is CDC) is recognised and its side effects are not repeated.
/// </summary>
public static class Inbox
{
    public static async Task<bool> TryRecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string consumer, string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var command = new NpgsqlCommand(
            "INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", connection, transaction)
        {
            Parameters = { new() { Value = consumer }, new() { Value = messageId } },
        };
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
