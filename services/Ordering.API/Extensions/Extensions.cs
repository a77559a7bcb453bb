using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Inventory.Contracts;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Events;
using AspireShop.Ordering.API.Services;
using AspireShop.Payment.Contracts;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Ordering.API.Extensions;

public static class Extensions
{
    public const string DatabaseName = "orderingdb";
    public const string KafkaName = "kafka";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddOrderingDatabase();
        builder.AddDefaultAuthentication();
        builder.Services.AddBadRequestProblems();
        builder.Services.AddDependencyUnavailableProblems();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<OrderingOptions>().BindConfiguration(OrderingOptions.Section);
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddScoped<OrderPlacement>();
        builder.Services.AddScoped<SagaTransitions>();
        builder.Services.AddSingleton<OrderingMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(OrderingMetrics.MeterName));
        builder.Services.AddHostedService<OrderSagaTimer>();

        builder.Services.AddHttpClient<CartClient>((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<OrderingOptions>>().Value.CartBaseAddress)
            .AddDownstreamResilience(OrderingOptions.CartSection);
        builder.Services.AddSingleton<CatalogClient>();
        builder.Services.AddHttpClient(CatalogClient.HttpClientName, (services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<OrderingOptions>>().Value.CatalogBaseAddress)
            .AddDownstreamResilience(OrderingOptions.CatalogSection);

        builder.AddKafkaClients(KafkaName);
        builder.AddEventHandler<OrderStockEvent, OrderStockReplies>(OrderStockReplies.ConsumerGroup, OrderStockEvent.Topic);
        builder.AddEventHandler<PaymentEvent, PaymentReplies>(PaymentReplies.ConsumerGroup, PaymentEvent.Topic);
        builder.AddEventHandler<ShipmentEvent, ShipmentProgress>(ShipmentProgress.ConsumerGroup, ShipmentEvent.Topic);
    }

    /// <summary>
    /// EF Core without its retrying strategy: every saga move is an explicit transaction, and a failed one is retried
    /// whole by its caller (the consumer host, the timer, the buyer's Idempotency-Key).
    /// </summary>
    public static void AddOrderingDatabase(this IHostApplicationBuilder builder) =>
        builder.AddServiceDbContext<OrderingContext>(DatabaseName, retryOnFailure: false);
}
