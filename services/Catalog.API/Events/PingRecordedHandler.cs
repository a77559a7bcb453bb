using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using System.Text.Json;
using Npgsql;

namespace AspireShop.Catalog.API.Events;

public sealed class PingRecordedHandler(NpgsqlDataSource database) : IMessageHandler
{
    public const string ConsumerGroup = "catalog.ping-receipts";

    public async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var ping = JsonSerializer.Deserialize<PingRecorded>(message.Value ?? "", OutboxEvent.SerializerOptions)
            ?? throw new JsonException($"{message.MessageId} has no payload");

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await Inbox.TryRecordAsync(connection, transaction, ConsumerGroup, message.MessageId, cancellationToken))
        {
            await using var insert = new NpgsqlCommand("INSERT INTO ping_receipts (id) VALUES ($1)", connection, transaction)
            {
                Parameters = { new() { Value = ping.PingId } },
            };
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
