extern alias InventoryApi;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Events;
using AspireShop.Inventory.Contracts;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireShop.Inventory.Tests;

/// <summary>
/// The inventory service in-process (its real Program) on the fixture's Postgres (a fresh database unless one is given)
/// and Redis (its own key prefix unless one is given), migrated as the <c>migrate</c> step does it, with test tokens.
/// </summary>
public sealed class InventoryApp : ServiceHost<InventoryApi::Program>
{
    private InventoryApp(IReadOnlyDictionary<string, string?> settings, string databaseConnectionString, string redisPrefix, string kafka)
        : base(settings)
    {
        DatabaseConnectionString = databaseConnectionString;
        RedisPrefix = redisPrefix;
        Kafka = kafka;
        OffersTopic = settings[$"{OffersConsumer}:Topics:0"]!;
        OrderCommandsTopic = settings[$"{OrderStockConsumer}:Topics:0"]!;
        OrderCommandsDeadLetterTopic = settings[$"{OrderStockConsumer}:DeadLetterTopic"]!;
        ShipmentsTopic = settings[$"{ShipmentsConsumer}:Topics:0"]!;
        ShipmentsDeadLetterTopic = settings[$"{ShipmentsConsumer}:DeadLetterTopic"]!;
    }

    private const string OffersConsumer = "Messaging:Consumers:inventory.offer-stock";
    private const string OrderStockConsumer = "Messaging:Consumers:inventory.order-stock";
    private const string ShipmentsConsumer = "Messaging:Consumers:" + ShipmentCancelledHandler.ConsumerGroup;

    public string Kafka { get; }

    /// <summary>Where this app reads Catalog's offer events (its own topic, unless the test named one).</summary>
    public string OffersTopic { get; }

    /// <summary>Where this app reads the OrderSaga's commands (its own topic, unless the test named one).</summary>
    public string OrderCommandsTopic { get; }

    /// <summary>Where commands no retry can fix go (its own topic, unless the test named one).</summary>
    public string OrderCommandsDeadLetterTopic { get; }

    /// <summary>Where this app reads Fulfillment's shipment events (its own topic, unless the test named one).</summary>
    public string ShipmentsTopic { get; }

    /// <summary>Where shipment events no retry can fix go (its own topic, unless the test named one).</summary>
    public string ShipmentsDeadLetterTopic { get; }

    public string DatabaseConnectionString { get; }

    public string RedisPrefix { get; }

    public static async Task<InventoryApp> StartAsync(
        InfrastructureFixture infrastructure,
        IReadOnlyDictionary<string, string?>? overrides = null,
        string? database = null,
        string? redisPrefix = null)
    {
        database ??= await infrastructure.CreateDatabaseAsync("inventory");
        redisPrefix ??= InfrastructureFixture.CreateRedisKeyPrefix("inventory");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
            [$"{OffersConsumer}:GroupId"] = $"inventory.offer-stock.test-{Guid.NewGuid():N}",
            [$"{OrderStockConsumer}:GroupId"] = $"inventory.order-stock.test-{Guid.NewGuid():N}",
            [$"{ShipmentsConsumer}:GroupId"] = $"{ShipmentCancelledHandler.ConsumerGroup}.test-{Guid.NewGuid():N}",
            ["ConnectionStrings:inventorydb"] = database,
            ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
            ["Inventory:RedisPrefix"] = redisPrefix,
            ["Inventory:FlashSales:WriteBack:Consumer"] = $"test-{Guid.NewGuid():N}",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        if (!settings.ContainsKey($"{OffersConsumer}:Topics:0"))
        {
            // One partition: offer events of a test apply in the order it published them.
            settings[$"{OffersConsumer}:Topics:0"] = await infrastructure.CreateTopicAsync("catalogdb.public.offers", partitions: 1);
        }

        if (!settings.ContainsKey($"{OrderStockConsumer}:Topics:0"))
        {
            settings[$"{OrderStockConsumer}:Topics:0"] = await infrastructure.CreateTopicAsync(OrderStockCommand.Topic, partitions: 4);
        }

        if (!settings.ContainsKey($"{OrderStockConsumer}:DeadLetterTopic"))
        {
            settings[$"{OrderStockConsumer}:DeadLetterTopic"] = await infrastructure.CreateTopicAsync("dlq.inventory.order-stock", partitions: 1);
        }

        if (!settings.ContainsKey($"{ShipmentsConsumer}:Topics:0"))
        {
            settings[$"{ShipmentsConsumer}:Topics:0"] = await infrastructure.CreateTopicAsync(ShipmentEvent.Topic, partitions: 4);
        }

        if (!settings.ContainsKey($"{ShipmentsConsumer}:DeadLetterTopic"))
        {
            settings[$"{ShipmentsConsumer}:DeadLetterTopic"] = await infrastructure.CreateTopicAsync($"dlq.{ShipmentCancelledHandler.ConsumerGroup}", partitions: 1);
        }

        // Migrated before the host starts, as the AppHost's inventory-migrations step does, so the workers find their tables.
        await using (var context = new InventoryContext(new DbContextOptionsBuilder<InventoryContext>().UseNpgsql(database).Options))
        {
            await context.Database.MigrateAsync();
        }

        var app = new InventoryApp(settings, database, redisPrefix, infrastructure.KafkaBootstrapServers);
        _ = app.Services;
        return app;
    }

    /// <summary>
    /// A new offer of a new seller, published as Catalog would (its change event), with <paramref name="onHand"/> set
    /// through the API once Inventory has heard of it; returns the SKU and the seller.
    /// </summary>
    public async Task<(Guid SkuId, TestUser Seller)> CreateStockAsync(int onHand)
    {
        var seller = TestUser.NewSeller();
        var skuId = Guid.NewGuid();
        await PublishOfferAsync("c", skuId, seller.SellerId!.Value);
        using var client = As(seller);
        await OfferedStock.SetAsync(client, skuId, seller.SellerId.Value, onHand);
        return (skuId, seller);
    }

    /// <summary>An offer change event (<paramref name="op"/>: c, u, r or d) on this app's offers topic.</summary>
    public Task PublishOfferAsync(string op, Guid skuId, Guid sellerId) =>
        CatalogOfferEvents.PublishAsync(Kafka, OffersTopic, CatalogOfferEvents.Change(op, skuId, sellerId));

    /// <summary>
    /// An OrderSaga command as the saga's outbox relay publishes it (base type, keyed by order id, event id in header
    /// <c>id</c>); returns that id. Passing the id of an earlier send is a Kafka redelivery of that message.
    /// </summary>
    public async Task<string> SendOrderCommandAsync(OrderStockCommand command, string? messageId = null)
    {
        var outboxEvent = OutboxEvent.Create<OrderStockCommand>(OrderStockCommand.AggregateType, command.OrderId.ToString(), command, type: command.GetType().Name);
        messageId ??= outboxEvent.Id.ToString();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka }).Build();
        await producer.ProduceAsync(OrderCommandsTopic, new Message<string, string>
        {
            Key = outboxEvent.AggregateId,
            Value = outboxEvent.Payload,
            Headers = new Headers { { "id", Encoding.UTF8.GetBytes(messageId) }, { "type", Encoding.UTF8.GetBytes(outboxEvent.Type) } },
        });
        return messageId;
    }

    /// <summary>
    /// A shipment event as Fulfillment's outbox relay publishes it (base type, keyed by order id, event id in header
    /// <c>id</c>); returns that id. Passing the id of an earlier send is a Kafka redelivery of that message.
    /// </summary>
    public async Task<string> SendShipmentEventAsync(ShipmentEvent shipmentEvent, string? messageId = null)
    {
        var outboxEvent = OutboxEvent.Create(ShipmentEvent.AggregateType, shipmentEvent.OrderId.ToString(), shipmentEvent, type: shipmentEvent.GetType().Name);
        messageId ??= outboxEvent.Id.ToString();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka }).Build();
        await producer.ProduceAsync(ShipmentsTopic, new Message<string, string>
        {
            Key = outboxEvent.AggregateId,
            Value = outboxEvent.Payload,
            Headers = new Headers { { "id", Encoding.UTF8.GetBytes(messageId) }, { "type", Encoding.UTF8.GetBytes(outboxEvent.Type) } },
        });
        return messageId;
    }

    /// <summary>Inventory's replies to one order in its outbox, oldest first, read as the saga would (the base type).</summary>
    public async Task<List<(string Type, OrderStockEvent Reply)>> OrderRepliesAsync(Guid orderId)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT type, payload::text FROM outbox WHERE aggregatetype = $1 AND aggregateid = $2 ORDER BY created_at, id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = OrderStockEvent.AggregateType });
        command.Parameters.Add(new NpgsqlParameter { Value = orderId.ToString() });
        var replies = new List<(string, OrderStockEvent)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            replies.Add((reader.GetString(0), JsonSerializer.Deserialize<OrderStockEvent>(reader.GetString(1), OrderReplyOptions)!));
        }

        return replies;
    }

    // jsonb reorders keys, so the discriminator may come after the other properties, as the saga's dispatcher allows.
    private static readonly JsonSerializerOptions OrderReplyOptions = new(OutboxEvent.SerializerOptions) { AllowOutOfOrderMetadataProperties = true };

    public async Task<T?> QueryScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>(on_hand, reserved, available, version) of a stock row, straight from the database.</summary>
    public async Task<(int OnHand, int Reserved, int Available, long Version)?> StockAsync(Guid skuId, Guid sellerId)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT on_hand, reserved, available, version FROM stock WHERE sku_id = $1 AND seller_id = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3)) : null;
    }

    /// <summary>The availability events of one offer in the outbox, as the CDC relay would publish them, by version.</summary>
    public async Task<List<AvailabilityChanged>> AvailabilityEventsAsync(Guid skuId, Guid sellerId)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT payload::text FROM outbox WHERE aggregatetype = $1 AND aggregateid = $2 ORDER BY (payload->>'version')::bigint", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = AvailabilityChanged.AggregateType });
        command.Parameters.Add(new NpgsqlParameter { Value = $"{skuId}:{sellerId}" });
        var events = new List<AvailabilityChanged>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(JsonSerializer.Deserialize<AvailabilityChanged>(reader.GetString(0), OutboxEvent.SerializerOptions)!);
        }

        return events;
    }
}

/// <summary>One inventory app (and database) shared by the tests of a class; tests use their own SKUs.</summary>
public sealed class InventoryFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public InventoryApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        App = await StartAppAsync();
    }

    /// <summary>Overridable per fixture type through a derived class; the default is the service's own configuration.</summary>
    private Task<InventoryApp> StartAppAsync() => InventoryApp.StartAsync(Infrastructure);

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(Options))!;
}

/// <summary>The reservation as the API returns it.</summary>
public sealed record ReservationBody(Guid Id, Guid SkuId, Guid SellerId, int Quantity, Guid HolderId, string Status, DateTimeOffset ExpiresAt, Guid? FlashSaleId);

public sealed record FlashSaleBody(
    Guid Id, Guid SkuId, Guid SellerId, int Quantity, string Status, int? Remaining, int? ConfirmedInRedis, int WrittenBack,
    int HeldInPostgres, int Confirmed, int? Returned, int? RedisRemainingAtClose, bool? Reconciled);
