extern alias SellerApi;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.Contracts;
using AspireShop.Payment.Contracts;
using AspireShop.Seller.API.Apis;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Events;
using AspireShop.Seller.Contracts;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AspireShop.Seller.Tests;

/// <summary>
/// The seller service in-process (its real Program) on a fresh database migrated by its migrate step, which also creates
/// the <c>seller_app</c> role and the row-level-security policies; requests carry test tokens. The payout ledger consumes
/// Ordering's and Payment's events from topics of the app's own, published as their outboxes reach Kafka.
/// </summary>
public sealed class SellerApp : ServiceHost<SellerApi::Program>
{
    /// <summary>What the consumer host's dispatcher accepts: the discriminator anywhere, every field present.</summary>
    public static readonly JsonSerializerOptions StrictJson = new(OutboxEvent.SerializerOptions)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        AllowOutOfOrderMetadataProperties = true,
    };

    private SellerApp(IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? overrides = null)
        : base(settings, overrides)
    {
    }

    public string Kafka => Settings["ConnectionStrings:kafka"]!;

    public string OrdersTopic => Settings[$"{MessagingExtensions.ConsumersSection}:{OrderConfirmedHandler.ConsumerGroup}:Topics:0"]!;

    public string PaymentsTopic => Settings[$"{MessagingExtensions.ConsumersSection}:{PaymentRefundedHandler.ConsumerGroup}:Topics:0"]!;

    /// <summary>The connection string the service uses: the server's superuser, as in native mode.</summary>
    public string ConnectionString => Settings["ConnectionStrings:sellerdb"]!;

    /// <summary>A new app on its own new database; <paramref name="maxPoolSize"/> 1 makes consecutive scopes share one server connection.</summary>
    public static async Task<SellerApp> StartAsync(InfrastructureFixture infrastructure, int? maxPoolSize = null)
    {
        var database = new NpgsqlConnectionStringBuilder(await infrastructure.CreateDatabaseAsync("seller"));
        if (maxPoolSize is { } size)
        {
            database.MaxPoolSize = size;
        }

        var app = new SellerApp(await DefaultsAsync(infrastructure, database.ConnectionString));
        await MigrateStep.MigrateAsync<SellerContext>(app.Services);
        return app;
    }

    /// <summary>An app on <paramref name="database"/> as it is, e.g. already migrated by the migrate step, with <paramref name="overrides"/>.</summary>
    public static async Task<SellerApp> OnDatabaseAsync(
        InfrastructureFixture infrastructure, string database, IReadOnlyDictionary<string, string?> overrides) =>
        new(await DefaultsAsync(infrastructure, database), overrides);

    private static async Task<Dictionary<string, string?>> DefaultsAsync(InfrastructureFixture infrastructure, string database) => new()
    {
        ["ConnectionStrings:sellerdb"] = database,
        ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
        ["Kafka:Consumer:session.timeout.ms"] = "3000",
        ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
        ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
        [$"{Consumer(OrderConfirmedHandler.ConsumerGroup)}:GroupId"] = $"{OrderConfirmedHandler.ConsumerGroup}.test-{Guid.NewGuid():N}",
        [$"{Consumer(OrderConfirmedHandler.ConsumerGroup)}:Topics:0"] = await infrastructure.CreateTopicAsync("orders", partitions: 3),
        [$"{Consumer(PaymentRefundedHandler.ConsumerGroup)}:GroupId"] = $"{PaymentRefundedHandler.ConsumerGroup}.test-{Guid.NewGuid():N}",
        [$"{Consumer(PaymentRefundedHandler.ConsumerGroup)}:Topics:0"] = await infrastructure.CreateTopicAsync("payments", partitions: 3),
        // Both groups retry quickly: a test waits for the ledger, never for a backoff.
        [$"{Consumer(OrderConfirmedHandler.ConsumerGroup)}:MaxBackoff"] = "00:00:01",
        [$"{Consumer(PaymentRefundedHandler.ConsumerGroup)}:MaxBackoff"] = "00:00:01",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private static string Consumer(string group) => $"{MessagingExtensions.ConsumersSection}:{group}";

    /// <summary>
    /// Publishes as Ordering's (or Payment's) outbox reaches Kafka: keyed by order id, header <c>id</c>, the base type's
    /// JSON; returns the message id (give one to redeliver a message).
    /// </summary>
    public Task<string> PublishAsync(OrderEvent order, string? messageId = null) =>
        ProduceAsync(OrdersTopic, order.OrderId, JsonSerializer.Serialize(order, OutboxEvent.SerializerOptions), order.GetType().Name, messageId);

    public Task<string> PublishAsync(PaymentEvent payment, string? messageId = null) =>
        ProduceAsync(PaymentsTopic, payment.OrderId, JsonSerializer.Serialize(payment, OutboxEvent.SerializerOptions), payment.GetType().Name, messageId);

    /// <summary>Hands an event straight to its handler, as the consumer host would (one attempt, its own scope).</summary>
    public async Task HandleAsync(OrderEvent order, string? messageId = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var json = JsonSerializer.Serialize(order, OutboxEvent.SerializerOptions);
        await scope.ServiceProvider.GetRequiredService<OrderConfirmedHandler>()
            .HandleAsync(JsonSerializer.Deserialize<OrderEvent>(json, StrictJson)!, Received(OrdersTopic, order.OrderId, json, messageId), CancellationToken.None);
    }

    public async Task HandleAsync(PaymentEvent payment, string? messageId = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var json = JsonSerializer.Serialize(payment, OutboxEvent.SerializerOptions);
        await scope.ServiceProvider.GetRequiredService<PaymentRefundedHandler>()
            .HandleAsync(JsonSerializer.Deserialize<PaymentEvent>(json, StrictJson)!, Received(PaymentsTopic, payment.OrderId, json, messageId), CancellationToken.None);
    }

    /// <summary>How many messages a ledger consumer has handled (its inbox records).</summary>
    public Task<int> InboxCountAsync(string consumer) =>
        InScopeAsync(Tenant.Everyone, db => db.Set<InboxEntry>().CountAsync(e => e.Consumer == consumer));

    private async Task<string> ProduceAsync(string topic, Guid orderId, string json, string type, string? messageId)
    {
        messageId ??= Guid.CreateVersion7().ToString();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka }).Build();
        await producer.ProduceAsync(topic, new Message<string, string>
        {
            Key = orderId.ToString(),
            Value = json,
            Headers = new Headers
            {
                { ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(messageId) },
                { ReceivedMessage.TypeHeader, Encoding.UTF8.GetBytes(type) },
            },
        });
        return messageId;
    }

    private static ReceivedMessage Received(string topic, Guid orderId, string json, string? messageId) =>
        new(topic, 0, 0, orderId.ToString(), json, new Dictionary<string, string> { [ReceivedMessage.IdHeader] = messageId ?? Guid.NewGuid().ToString() }, 1);

    /// <summary>Applies as <paramref name="user"/> with valid details unless some are given.</summary>
    public async Task<ApplicationResponse> ApplyAsync(TestUser user, string? businessName = null)
    {
        using var client = As(user);
        using var response = await client.PostAsJsonAsync(ApplicationsApi.Path, Applications.Valid(businessName));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ApplicationResponse>())!;
    }

    /// <summary>
    /// Applies as a new user and has an admin approve: the seller's token (as Identity issues it once SellerApproved is
    /// handled), its application and the approval.
    /// </summary>
    public async Task<(TestUser Seller, ApplicationResponse Approved)> OnboardAsync(string? businessName = null, int? commissionBasisPoints = null)
    {
        var applicant = TestUser.NewBuyer();
        var application = await ApplyAsync(applicant, businessName);
        using var admin = As(TestUser.NewAdmin());
        using var response = await admin.PostAsJsonAsync(
            $"{ApplicationsApi.Path}/{application.Id}/approve", new ApproveApplicationRequest(commissionBasisPoints));
        response.EnsureSuccessStatusCode();
        var approved = (await response.Content.ReadFromJsonAsync<ApplicationResponse>())!;
        return (new TestUser(applicant.Id, approved.SellerId, "buyer", "seller"), approved);
    }

    /// <summary>Work on the service's own context as <paramref name="tenant"/>, as a request or handler scope would.</summary>
    public async Task<T> InScopeAsync<T>(Tenant tenant, Func<SellerContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Current = tenant;
        return await work(scope.ServiceProvider.GetRequiredService<SellerContext>());
    }

    /// <summary>The seller events in the outbox (what CDC publishes to <c>outbox.event.seller</c>), oldest first.</summary>
    public Task<List<SellerEvent>> SellerEventsAsync(Guid sellerId) => InScopeAsync(Tenant.Everyone, async db =>
    {
        var rows = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.AggregateType == SellerEvent.AggregateType && m.AggregateId == sellerId.ToString())
            .OrderBy(m => m.Id)
            .Select(m => m.Payload)
            .ToListAsync();
        return rows.Select(payload => JsonSerializer.Deserialize<SellerEvent>(payload, StrictJson)!).ToList();
    });
}

/// <summary>One seller app (and database) shared by the tests of a class; tests create their own users.</summary>
public sealed class SellerFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public SellerApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        App = await SellerApp.StartAsync(Infrastructure);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public static class Applications
{
    /// <summary>Valid IBANs (ISO 13616 examples), printed with spaces as people type them.</summary>
    public const string GermanIban = "DE89 3704 0044 0532 0130 00";
    public const string BritishIban = "GB82 WEST 1234 5698 7654 32";

    public static SubmitApplicationRequest Valid(string? businessName = null) =>
        new(businessName ?? $"Shop {Guid.NewGuid():N}"[..20], "owner@example.com", GermanIban);
}
