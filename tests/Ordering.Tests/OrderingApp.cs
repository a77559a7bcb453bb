extern alias OrderingApi;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Ordering.API.Data;
using AspireShop.TestKit;

namespace AspireShop.Ordering.Tests;

/// <summary>
/// The ordering service in-process (its real Program) on a fresh database migrated by its migrate step, consuming
/// topics of its own, with test tokens. Its saga timer is left to the test (<c>OrderSagaTimer.ResendDueAsync</c>).
/// </summary>
public sealed class OrderingApp : ServiceHost<OrderingApi::Program>
{
    private OrderingApp(IReadOnlyDictionary<string, string?> settings)
        : base(settings)
    {
    }

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
        foreach (var group in new[] { "ordering.order-stock", "ordering.payments" })
        {
            settings[$"Messaging:Consumers:{group}:GroupId"] = $"{group}.test-{Guid.NewGuid():N}";
            settings[$"Messaging:Consumers:{group}:Topics:0"] = await infrastructure.CreateTopicAsync(group, partitions: 1);
        }

        var app = new OrderingApp(settings);
        await MigrateStep.MigrateAsync<OrderingContext>(app.Services);
        return app;
    }
}
