extern alias FulfillmentApi;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Fulfillment.API.Data;
using AspireShop.Fulfillment.API.Domain;
using AspireShop.Fulfillment.API.Events;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Ordering.Contracts;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.Fulfillment.Tests;

/// <summary>
/// The fulfillment service in-process (its real Program) on a fresh database migrated by its migrate step, consuming
/// Ordering's events from a topic of its own, with test tokens. Events are published as Ordering's outbox reaches
/// Kafka; what Fulfillment publishes is read from its outbox.
/// </summary>
public sealed class FulfillmentApp : ServiceHost<FulfillmentApi::Program>
{
    private const string Consumer = "Messaging:Consumers:" + OrderEventsHandler.ConsumerGroup;

    /// <summary>What the consumer host's dispatcher accepts: the discriminator anywhere, every field present.</summary>
    public static readonly JsonSerializerOptions StrictJson = new(OutboxEvent.SerializerOptions)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        AllowOutOfOrderMetadataProperties = true,
    };

    private FulfillmentApp(IReadOnlyDictionary<string, string?> settings, string kafka, string ordersTopic)
        : base(settings)
    {
        Kafka = kafka;
        OrdersTopic = ordersTopic;
    }

    public string Kafka { get; }

    public string OrdersTopic { get; }

    /// <summary>The database as its owner (a superuser, past row-level security), for tests that connect themselves.</summary>
    public string ConnectionString => Settings["ConnectionStrings:fulfillmentdb"]!;

    public static async Task<FulfillmentApp> StartAsync(InfrastructureFixture infrastructure)
    {
        var topic = await infrastructure.CreateTopicAsync("orders", partitions: 3);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:fulfillmentdb"] = await infrastructure.CreateDatabaseAsync("fulfillment"),
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
            [$"{Consumer}:GroupId"] = $"fulfillment.orders.test-{Guid.NewGuid():N}",
            [$"{Consumer}:Topics:0"] = topic,
            ["Logging:LogLevel:Default"] = "Warning",
        };

        var app = new FulfillmentApp(settings, infrastructure.KafkaBootstrapServers, topic);
        await MigrateStep.MigrateAsync<FulfillmentContext>(app.Services);
        return app;
    }

    /// <summary>
    /// Publishes as Ordering's outbox reaches Kafka (keyed by order id, header <c>id</c>, the base type's JSON), with
    /// the order's <paramref name="address"/> when given, as OrderConfirmed.ShipTo; returns the message id.
    /// </summary>
    public async Task<string> PublishAsync(OrderEvent order, string? messageId = null, object? address = null)
    {
        messageId ??= Guid.CreateVersion7().ToString();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka }).Build();
        await producer.ProduceAsync(OrdersTopic, new Message<string, string>
        {
            Key = order.OrderId.ToString(),
            Value = Serialize(order, address),
            Headers = new Headers
            {
                { ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(messageId) },
                { ReceivedMessage.TypeHeader, Encoding.UTF8.GetBytes(order.GetType().Name) },
            },
        });
        return messageId;
    }

    /// <summary>Hands an event straight to the handler, as the consumer host would (one attempt, its own scope).</summary>
    public async Task HandleAsync(OrderEvent order, string? messageId = null, object? address = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var json = Serialize(order, address);
        var message = new ReceivedMessage(
            OrdersTopic, 0, 0, order.OrderId.ToString(), json,
            new Dictionary<string, string> { [ReceivedMessage.IdHeader] = messageId ?? Guid.NewGuid().ToString() }, 1);
        await scope.ServiceProvider.GetRequiredService<OrderEventsHandler>()
            .HandleAsync(JsonSerializer.Deserialize<OrderEvent>(json, StrictJson)!, message, CancellationToken.None);
    }

    /// <summary>The order's shipments as the database holds them, read as the platform (every tenant).</summary>
    public async Task<List<Shipment>> ShipmentsAsync(Guid orderId)
    {
        await using var scope = Everyone(out var db);
        return await db.Shipments.AsNoTracking().Where(s => s.OrderId == orderId).OrderBy(s => s.SellerId).ToListAsync();
    }

    public Task<List<Shipment>> WaitForShipmentsAsync(Guid orderId, int count) =>
        Poll.UntilAsync(() => ShipmentsAsync(orderId), shipments => shipments.Count >= count, TimeSpan.FromSeconds(30),
            shipments => $"{shipments.Count} of {count} shipments for order {orderId}");

    /// <summary>What Fulfillment published about the order (what CDC sends to <c>outbox.event.shipment</c>), oldest first.</summary>
    public async Task<List<ShipmentEvent>> EventsAsync(Guid orderId)
    {
        await using var scope = Everyone(out var db);
        var rows = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.AggregateType == ShipmentEvent.AggregateType && m.AggregateId == orderId.ToString())
            .OrderBy(m => m.Id)
            .Select(m => new { m.Type, m.Payload })
            .ToListAsync();
        return [.. rows.Select(row =>
        {
            var shipmentEvent = JsonSerializer.Deserialize<ShipmentEvent>(row.Payload, StrictJson)!;
            Assert.Equal(shipmentEvent.GetType().Name, row.Type);
            return shipmentEvent;
        })];
    }

    public async Task<int> InboxCountAsync()
    {
        await using var scope = Everyone(out var db);
        return await db.Set<InboxEntry>().CountAsync(e => e.Consumer == OrderEventsHandler.ConsumerGroup);
    }

    /// <summary>Whether the handler has handled (and recorded in its inbox) the message of this id.</summary>
    public async Task<bool> HandledAsync(string messageId)
    {
        await using var scope = Everyone(out var db);
        return await db.Set<InboxEntry>().AnyAsync(e => e.Consumer == OrderEventsHandler.ConsumerGroup && e.MessageId == messageId);
    }

    /// <summary>A confirmed order's shipments created through the handler; returns them by seller.</summary>
    public async Task<Dictionary<Guid, Shipment>> ConfirmAsync(OrderConfirmed order, object? address = null)
    {
        await HandleAsync(order, address: address);
        return (await ShipmentsAsync(order.OrderId)).ToDictionary(s => s.SellerId);
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(OutboxEvent.SerializerOptions))!;

    private AsyncServiceScope Everyone(out FulfillmentContext db)
    {
        var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Current = Tenant.Everyone;
        db = scope.ServiceProvider.GetRequiredService<FulfillmentContext>();
        return scope;
    }

    private static string Serialize(OrderEvent order, object? address)
    {
        var json = JsonSerializer.SerializeToNode(order, OutboxEvent.SerializerOptions)!.AsObject();
        if (address is not null)
        {
            json["shipTo"] = JsonSerializer.SerializeToNode(address, OutboxEvent.SerializerOptions);
        }

        return json.ToJsonString();
    }
}

/// <summary>One app per test class: the servers are shared by the process, the database and topic are the class's own.</summary>
public sealed class FulfillmentFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public FulfillmentApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        App = await FulfillmentApp.StartAsync(Infrastructure);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Orders as Ordering confirms them: every test its own buyer, sellers and order id.</summary>
public static class Orders
{
    public static readonly object Address = new { Name = "Ada Lovelace", Line1 = "12 St James's Square", Line2 = (string?)null, City = "London", PostalCode = "SW1Y 4JH", Country = "GB" };

    public static OrderLine Line(Guid sellerId, int quantity = 1, decimal unitPrice = 10m, string title = "Rain jacket") =>
        new(Guid.NewGuid(), sellerId, Guid.NewGuid(), title, quantity, unitPrice);

    public static OrderConfirmed Confirmed(Guid buyerId, params OrderLine[] lines) =>
        new(Guid.NewGuid(), buyerId, lines, lines.Sum(l => l.UnitPrice * l.Quantity), "USD", DateTimeOffset.UtcNow);
}
