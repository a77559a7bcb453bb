using System.Text.Json.Nodes;
using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AspireShop.CdcRelay.Tests;

/// <summary>
/// A real consumer (the BuildingBlocks host, inbox and all) whose side effect is one row per applied event, so
/// "applied exactly once" is counted in the database, whatever the relay redelivered.
/// </summary>
public sealed class AppliedOnceConsumer : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _connectionString;

    private AppliedOnceConsumer(IHost host, string connectionString)
    {
        _host = host;
        _connectionString = connectionString;
    }

    public static async Task<AppliedOnceConsumer> StartAsync(string connectionString, string kafka, string topic)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand(OutboxSchema.CreateInboxTable + "CREATE TABLE applied (event_id text NOT NULL);", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = kafka,
            ["Kafka:Consumer:session.timeout.ms"] = "6000",
        });
        builder.Services.AddSingleton(new AppliedDatabase(connectionString));
        builder.AddKafkaClients();
        builder.AddEventHandler<JsonObject, ApplyHandler>($"applied-{Guid.NewGuid():N}", topic, options => options.MaxConcurrency = 8);
        var host = builder.Build();
        await host.StartAsync();
        return new AppliedOnceConsumer(host, connectionString);
    }

    /// <summary>How many times each event's side effect was applied.</summary>
    public async Task<Dictionary<string, long>> AppliedAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT event_id, count(*) FROM applied GROUP BY event_id", connection);
        await using var reader = await query.ExecuteReaderAsync();
        var applied = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            applied[reader.GetString(0)] = reader.GetInt64(1);
        }

        return applied;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private sealed record AppliedDatabase(string ConnectionString);

    // Any outbox payload: what is counted is the event id, not its content.
    private sealed class ApplyHandler(AppliedDatabase database) : IEventHandler<JsonObject>
    {
        public async Task HandleAsync(JsonObject payload, ReceivedMessage message, CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (await Inbox.TryRecordAsync(connection, transaction, "applied", message.MessageId, cancellationToken))
            {
                await using var insert = new NpgsqlCommand("INSERT INTO applied (event_id) VALUES ($1)", connection, transaction)
                {
                    Parameters = { new() { Value = message.MessageId } },
                };
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }
}
