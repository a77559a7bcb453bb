using System.Diagnostics;
using AspireShop.ServiceDefaults.Messaging;
using Confluent.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Catalog.API.Events;
using Npgsql;
using StackExchange.Redis;

namespace AspireShop.Catalog.API.Apis;

/// <summary>
/// Proves the wiring end to end until the real catalog arrives: one round trip to Postgres, Redis and Kafka each.
/// </summary>
public static class PingApi
{
    public const string PingTopic = "platform.ping";

    public static IEndpointRouteBuilder MapPingApi(this IEndpointRouteBuilder app)
    {
        // Probed by the platform tests and the ping benchmark, which carry no identity.
        var api = app.MapGroup("/api/catalog").AllowAnonymous();
        api.MapGet("/ping", PingAsync).WithName("Ping");
        api.MapPost("/ping-events", RecordPingAsync).WithName("RecordPing");
        api.MapGet("/ping-events/{id:guid}", GetPingReceiptAsync).WithName("GetPingReceipt");
        return app;
    }

    public static async Task<Results<Ok<PingResponse>, ProblemHttpResult>> PingAsync(
        NpgsqlDataSource database, IConnectionMultiplexer redis, IProducer<string, string> producer, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();

        await using var command = database.CreateCommand("SELECT current_database()");
        var databaseName = (string?)await command.ExecuteScalarAsync(cancellationToken) ?? "";
        var afterDatabase = Stopwatch.GetTimestamp();

        var redisLatency = await redis.GetDatabase().PingAsync();
        var afterRedis = Stopwatch.GetTimestamp();

        var delivery = await producer.ProduceTracedAsync(
            PingTopic,
            new Message<string, string> { Key = Guid.NewGuid().ToString("N"), Value = $$"""{"at":"{{DateTimeOffset.UtcNow:O}}"}""" },
            cancellationToken);
        var afterKafka = Stopwatch.GetTimestamp();

        return TypedResults.Ok(new PingResponse(
            databaseName,
            Stopwatch.GetElapsedTime(started, afterDatabase).TotalMilliseconds,
            redisLatency.TotalMilliseconds,
            Stopwatch.GetElapsedTime(afterRedis, afterKafka).TotalMilliseconds,
            new KafkaPosition(delivery.Topic, delivery.Partition.Value, delivery.Offset.Value)));
    }

    /// <summary>Records a ping and its event in one transaction; the event is published by CDC, not by this request.</summary>
    public static async Task<Accepted<PingAccepted>> RecordPingAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var ping = new PingRecorded(Guid.CreateVersion7(), DateTimeOffset.UtcNow);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("INSERT INTO ping_events (id) VALUES ($1)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = ping.PingId });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await OutboxWriter.WriteAsync(connection, transaction, OutboxEvent.Create(PingRecorded.AggregateType, ping.PingId.ToString(), ping), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/catalog/ping-events/{ping.PingId}", new PingAccepted(ping.PingId));
    }

    /// <summary>200 once the consumer has applied the ping's event, 404 until then.</summary>
    public static async Task<Results<Ok<PingAccepted>, NotFound>> GetPingReceiptAsync(Guid id, NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT 1 FROM ping_receipts WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteScalarAsync(cancellationToken) is null ? TypedResults.NotFound() : TypedResults.Ok(new PingAccepted(id));
    }
}

public sealed record PingAccepted(Guid Id);

public sealed record PingResponse(string Database, double PostgresMs, double RedisMs, double KafkaMs, KafkaPosition Kafka);

public sealed record KafkaPosition(string Topic, int Partition, long Offset);
