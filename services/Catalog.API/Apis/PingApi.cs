using System.Diagnostics;
using AspireShop.ServiceDefaults.Messaging;
using Confluent.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
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
        app.MapGroup("/api/catalog").MapGet("/ping", PingAsync).WithName("Ping");
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
}

public sealed record PingResponse(string Database, double PostgresMs, double RedisMs, double KafkaMs, KafkaPosition Kafka);

public sealed record KafkaPosition(string Topic, int Partition, long Offset);
