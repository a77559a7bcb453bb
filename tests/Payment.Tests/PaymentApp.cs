extern alias PaymentApi;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Payment.API.Data;
using AspireShop.Payment.API.Domain;
using AspireShop.Payment.API.Events;
using AspireShop.Payment.API.Services;
using AspireShop.Payment.Contracts;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace AspireShop.Payment.Tests;

/// <summary>
/// The payment service in-process (its real Program) on a fresh database migrated by its migrate step, consuming its
/// own commands topic, with its provider client sent to the in-process provider (every call recorded in
/// <see cref="ProviderTraffic"/>). Commands are published as Ordering's outbox relay publishes them.
/// </summary>
public sealed class PaymentApp : ServiceHost<PaymentApi::Program>
{
    private const string Consumer = "Messaging:Consumers:" + PaymentCommandHandler.ConsumerGroup;
    private const string ShipmentConsumer = "Messaging:Consumers:" + ShipmentCancelledHandler.ConsumerGroup;

    /// <summary>What the consumer host's dispatcher accepts: the discriminator anywhere, every field present.</summary>
    public static readonly JsonSerializerOptions StrictJson = new(OutboxEvent.SerializerOptions)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        AllowOutOfOrderMetadataProperties = true,
    };

    private readonly ProviderHost _provider;
    private readonly TimeProvider? _clock;

    private PaymentApp(
        IReadOnlyDictionary<string, string?> settings, ProviderHost provider, string kafka, string commandsTopic, string shipmentsTopic, TimeProvider? clock)
        : base(settings)
    {
        _provider = provider;
        _clock = clock;
        Kafka = kafka;
        CommandsTopic = commandsTopic;
        ShipmentsTopic = shipmentsTopic;
    }

    public string Kafka { get; }

    public string CommandsTopic { get; }

    /// <summary>This app's stand-in for Fulfillment's <c>outbox.event.shipment</c>.</summary>
    public string ShipmentsTopic { get; }

    /// <summary>Every request Payment sent the provider, in the order they finished.</summary>
    public ConcurrentQueue<ProviderCall> ProviderTraffic { get; } = new();

    public static async Task<PaymentApp> StartAsync(
        InfrastructureFixture infrastructure, ProviderHost provider, IReadOnlyDictionary<string, string?>? overrides = null, TimeProvider? clock = null)
    {
        var topic = await infrastructure.CreateTopicAsync("payment-commands", partitions: 3);
        var shipments = await infrastructure.CreateTopicAsync("shipment-events", partitions: 3);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:paymentdb"] = await infrastructure.CreateDatabaseAsync("payment"),
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
            [$"{Consumer}:GroupId"] = $"payment.commands.test-{Guid.NewGuid():N}",
            [$"{Consumer}:Topics:0"] = topic,
            // The service's minutes of backoff, shrunk so a retried unknown outcome settles within a test.
            [$"{Consumer}:InitialBackoff"] = "00:00:00.100",
            [$"{Consumer}:MaxBackoff"] = "00:00:00.500",
            [$"{ShipmentConsumer}:GroupId"] = $"payment.shipments.test-{Guid.NewGuid():N}",
            [$"{ShipmentConsumer}:Topics:0"] = shipments,
            [$"{ShipmentConsumer}:InitialBackoff"] = "00:00:00.100",
            [$"{ShipmentConsumer}:MaxBackoff"] = "00:00:00.500",
            // The PaymentReconciler runs when a test says (ReconcileAsync), and a first retry is due at once.
            ["Payment:ReconcileInterval"] = "1.00:00:00",
            ["Payment:ReconcileInitialBackoff"] = "00:00:00",
            ["PaymentProvider:Url"] = "http://localhost/",
            ["PaymentProvider:ApiKey"] = provider.ApiKey,
            ["PaymentProvider:WebhookSecret"] = ProviderHost.WebhookSecret,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = new PaymentApp(settings, provider, infrastructure.KafkaBootstrapServers, topic, shipments, clock);
        await MigrateStep.MigrateAsync<PaymentContext>(app.Services);
        return app;
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.Configure<HttpClientFactoryOptions>(nameof(ProviderClient), o => o.HttpMessageHandlerBuilderActions.Add(
            b => b.PrimaryHandler = new RecordingHandler(_provider.Server.CreateHandler(), ProviderTraffic)));
        if (_clock is not null)
        {
            services.AddSingleton(_clock);
        }
    }

    /// <summary>Commands as Ordering's outbox reaches Kafka: keyed by order id, header <c>id</c>, the base type's JSON.</summary>
    public async Task PublishAsync(params PaymentCommand[] commands)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka }).Build();
        foreach (var command in commands)
        {
            await producer.ProduceAsync(CommandsTopic, ToMessage(command, Guid.NewGuid().ToString()));
        }
    }

    /// <summary>The same message (same id) delivered again, as Kafka does after a crash before the offset commit.</summary>
    public async Task RedeliverAsync(PaymentCommand command, string messageId)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka }).Build();
        await producer.ProduceAsync(CommandsTopic, ToMessage(command, messageId));
    }

    /// <summary>
    /// Fulfillment's events as its outbox reaches Kafka: keyed by order id, header <c>id</c> (the same id again is a
    /// redelivery), the base type's JSON.
    /// </summary>
    public async Task PublishAsync(ShipmentEvent shipmentEvent, string? messageId = null)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka }).Build();
        await producer.ProduceAsync(ShipmentsTopic, ToMessage(shipmentEvent.OrderId, shipmentEvent, messageId ?? Guid.NewGuid().ToString()));
    }

    private static Message<string, string> ToMessage(PaymentCommand command, string messageId) => ToMessage(command.OrderId, command, messageId);

    private static Message<string, string> ToMessage<T>(Guid orderId, T payload, string messageId)
        where T : class => new()
    {
        Key = orderId.ToString(),
        Value = JsonSerializer.Serialize(payload, OutboxEvent.SerializerOptions),
        Headers = new Headers
        {
            { ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(messageId) },
            { ReceivedMessage.TypeHeader, Encoding.UTF8.GetBytes(payload.GetType().Name) },
        },
    };

    /// <summary>Hands a command straight to the handler, as the consumer host would (one attempt, its own scope).</summary>
    public async Task HandleAsync(PaymentCommand command, string? messageId = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var json = JsonSerializer.Serialize(command, OutboxEvent.SerializerOptions);
        var message = new ReceivedMessage(
            CommandsTopic, 0, 0, command.OrderId.ToString(), json,
            new Dictionary<string, string> { [ReceivedMessage.IdHeader] = messageId ?? Guid.NewGuid().ToString() }, 1);
        await scope.ServiceProvider.GetRequiredService<PaymentCommandHandler>()
            .HandleAsync(JsonSerializer.Deserialize<PaymentCommand>(json, StrictJson)!, message, CancellationToken.None);
    }

    /// <summary>Hands a shipment event straight to Payment's handler, as the consumer host would (one attempt, its own scope).</summary>
    public async Task HandleAsync(ShipmentEvent shipmentEvent, string? messageId = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var json = JsonSerializer.Serialize(shipmentEvent, OutboxEvent.SerializerOptions);
        var message = new ReceivedMessage(
            ShipmentsTopic, 0, 0, shipmentEvent.OrderId.ToString(), json,
            new Dictionary<string, string> { [ReceivedMessage.IdHeader] = messageId ?? Guid.NewGuid().ToString() }, 1);
        await scope.ServiceProvider.GetRequiredService<ShipmentCancelledHandler>()
            .HandleAsync(JsonSerializer.Deserialize<ShipmentEvent>(json, StrictJson)!, message, CancellationToken.None);
    }

    /// <summary>
    /// Hands a command to the handler until it stops answering "outcome pending" (another worker holds the call), as
    /// the consumer host's retries would.
    /// </summary>
    public async Task HandleUntilSettledAsync(PaymentCommand command, string? messageId = null)
    {
        messageId ??= Guid.NewGuid().ToString();
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await HandleAsync(command, messageId);
                    return true;
                }
                catch (PaymentOutcomePendingException)
                {
                    return false;
                }
            },
            settled => settled,
            TimeSpan.FromSeconds(30),
            _ => $"{command} still pending",
            TimeSpan.FromMilliseconds(50));
    }

    /// <summary>One round of the PaymentReconciler, as its timer would run it; how many items it leased.</summary>
    public Task<int> ReconcileAsync() => Services.GetRequiredService<PaymentReconciler>().ReconcileDueAsync(CancellationToken.None);

    public async Task<OrderPayment?> PaymentAsync(Guid orderId)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        return await db.Payments.AsNoTracking().Include(p => p.Refunds).SingleOrDefaultAsync(p => p.OrderId == orderId);
    }

    /// <summary>Many orders' payments with their refunds in one query, by order id (absent ones left out).</summary>
    public async Task<Dictionary<Guid, OrderPayment>> PaymentsAsync(IReadOnlyCollection<Guid> orderIds)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        return await db.Payments.AsNoTracking().Include(p => p.Refunds).Where(p => orderIds.Contains(p.OrderId)).ToDictionaryAsync(p => p.OrderId);
    }

    /// <summary>A webhook the provider delivered, forwarded byte for byte (body and signature) to Payment's endpoint.</summary>
    public async Task<HttpStatusCode> ForwardWebhookAsync(ReceivedWebhook webhook)
    {
        using var client = Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/webhooks")
        {
            Content = new StringContent(webhook.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, webhook.Signature);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The replies to the saga in the outbox (what CDC publishes to <c>outbox.event.payment</c>), oldest first.</summary>
    public async Task<List<PaymentEvent>> RepliesAsync(Guid orderId)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        var rows = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.AggregateType == PaymentEvent.AggregateType && m.AggregateId == orderId.ToString())
            .OrderBy(m => m.Id)
            .Select(m => m.Payload)
            .ToListAsync();
        return [.. rows.Select(payload => JsonSerializer.Deserialize<PaymentEvent>(payload, StrictJson)!)];
    }

    public Task<List<PaymentEvent>> WaitForRepliesAsync(Guid orderId, int count) =>
        Poll.UntilAsync(() => RepliesAsync(orderId), replies => replies.Count >= count, TimeSpan.FromSeconds(30),
            replies => $"{replies.Count} of {count} replies for order {orderId}: {string.Join(", ", replies)}");

    /// <summary>Whether <paramref name="consumer"/> has recorded <paramref name="messageId"/> as handled.</summary>
    public async Task<bool> HandledAsync(string consumer, string messageId)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        return await db.Set<InboxEntry>().AnyAsync(e => e.Consumer == consumer && e.MessageId == messageId);
    }

    public async Task<int> InboxCountAsync(string consumer)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        return await db.Set<InboxEntry>().CountAsync(e => e.Consumer == consumer);
    }

    /// <summary>The POSTs Payment sent for this idempotency key.</summary>
    public List<ProviderCall> PostsWithKey(string key) => [.. ProviderTraffic.Where(c => c.Method == "POST" && c.IdempotencyKey == key)];

    /// <summary>Passes every call to the provider and records it (a call that threw is recorded with no status).</summary>
    private sealed class RecordingHandler(HttpMessageHandler inner, ConcurrentQueue<ProviderCall> calls) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var key = request.Headers.TryGetValues("Idempotency-Key", out var values) ? values.Single() : null;
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var flags) && flags.Single() == "true";
                calls.Enqueue(new ProviderCall(request.Method.Method, request.RequestUri!.AbsolutePath, key, (int)response.StatusCode, replayed));
                return response;
            }
            catch (Exception)
            {
                calls.Enqueue(new ProviderCall(request.Method.Method, request.RequestUri!.AbsolutePath, key, null, false));
                throw;
            }
        }
    }
}

/// <summary>The system clock moved by <see cref="Offset"/>: a day can pass within a test.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

/// <summary>One request Payment sent to the provider: null status when it got no answer (reset).</summary>
public sealed record ProviderCall(string Method, string Path, string? IdempotencyKey, int? Status, bool Replayed);

/// <summary>A provider and a payment app wired to it, shared by the tests of a class that switch no provider fault.</summary>
public sealed class PaymentFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public ProviderHost Provider { get; private set; } = null!;

    public PaymentApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        Provider = await ProviderHost.StartAsync(Infrastructure);
        App = await PaymentApp.StartAsync(Infrastructure, Provider);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

public static class Orders
{
    public const string Visa = "4242424242424242";

    public static ChargePayment Charge(Guid? orderId = null, decimal amount = 19.99m, string card = Visa, string currency = "USD") =>
        new(orderId ?? Guid.NewGuid(), Guid.NewGuid(), amount, currency, card);
}
