using AspireShop.BuildingBlocks.Data;
using AspireShop.Fulfillment.API.Data;
using AspireShop.Fulfillment.API.Events;
using AspireShop.Fulfillment.API.Services;
using AspireShop.Ordering.Contracts;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireShop.Fulfillment.API.Extensions;

public static class Extensions
{
    public const string DatabaseName = "fulfillmentdb";
    public const string KafkaName = "kafka";

    /// <summary>The database role every connection works as, under row-level security (the migrate step creates it).</summary>
    public const string TenantRole = "fulfillment_app";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddFulfillmentDatabase();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddDefaultAuthentication();
        builder.Services.AddBadRequestProblems();

        builder.Services.AddScoped<ShipmentStore>();

        builder.AddKafkaClients(KafkaName);
        builder.AddEventHandler<OrderEvent, OrderEventsHandler>(OrderEventsHandler.ConsumerGroup, OrderEvent.Topic);
    }

    /// <summary>
    /// EF Core without its retrying strategy: every change is an explicit short transaction, retried whole by its
    /// caller (the consumer host, or the seller's repeated request, which is idempotent). Tenant-isolated: each
    /// connection works as <see cref="TenantRole"/> for the scope's tenant.
    /// </summary>
    public static void AddFulfillmentDatabase(this IHostApplicationBuilder builder) =>
        builder.AddServiceDbContext<FulfillmentContext>(DatabaseName, retryOnFailure: false, tenantRole: TenantRole);
}
