extern alias OrderingApi;
using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.API.Data;
using AspireShop.TestKit;
using Confluent.Kafka;

namespace AspireShop.Ordering.Tests;

/// <summary>
/// The ordering service in-process (its real Program) on a fresh database migrated by its migrate step, consuming
/// topics of its own, with test tokens. Its saga timer is left to the test (<c>OrderSagaTimer.ResendDueAsync</c>).
/// </summary>
public sealed class OrderingApp : ServiceHost<OrderingApi::Program>
{
    private readonly string _kafka;

    private OrderingApp(IReadOnlyDictionary<string, string?> settings, string kafka, IReadOnlyDictionary<string, string> topics)
        : base(settings)
    {
        _kafka = kafka;
        Topics = topics;
    }

    /// <summary>The topic each consumer group reads here, by its default group id (e.g. <c>ordering.shipments</c>).</summary>
    public IReadOnlyDictionary<string, string> Topics { get; }

    public static async Task<OrderingApp> StartAsync(InfrastructureFixture infrastructure)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:orderingdb"] = await infrastructure.CreateDatabaseAsync("ordering"),
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
            ["Ordering:SagaTimerInterval"] = "01:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var topics = new Dictionary<string, string>();
        foreach (var group in new[] { "ordering.order-stock", "ordering.payments", "ordering.shipments" })
        {
            topics[group] = await infrastructure.CreateTopicAsync(group, partitions: 1);
            settings[$"Messaging:Consumers:{group}:GroupId"] = $"{group}.test-{Guid.NewGuid():N}";
            settings[$"Messaging:Consumers:{group}:Topics:0"] = topics[group];
        }

        var app = new OrderingApp(settings, infrastructure.KafkaBootstrapServers, topics);
        await MigrateStep.MigrateAsync<OrderingContext>(app.Services);
        return app;
    }

    /// <summary>
    /// Publishes <paramref name="message"/> as its publisher's outbox reaches Kafka: keyed by order id, header <c>id</c>,
    /// the contract's base type <typeparamref name="TBase"/> as JSON; returns the message id.
    /// </summary>
    public async Task<string> PublishAsync<TBase>(string group, Guid orderId, TBase message, string? messageId = null)
        where TBase : notnull
    {
        messageId ??= Guid.CreateVersion7().ToString();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _kafka }).Build();
        await producer.ProduceAsync(Topics[group], new Message<string, string>
        {
            Key = orderId.ToString(),
            Value = JsonSerializer.Serialize(message, OutboxEvent.SerializerOptions),
            Headers = new Headers
            {
                { ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(messageId) },
                { ReceivedMessage.TypeHeader, Encoding.UTF8.GetBytes(message.GetType().Name) },
            },
        });
        return messageId;
    }
}
