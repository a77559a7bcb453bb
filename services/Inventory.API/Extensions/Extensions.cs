using AspireShop.BuildingBlocks.Data;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Events;
using AspireShop.Inventory.API.Services;
using AspireShop.Inventory.Contracts;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireShop.Inventory.API.Extensions;

public static class Extensions
{
    public const string DatabaseName = "inventorydb";
    public const string RedisName = "redis";
    public const string KafkaName = "kafka";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddInventoryDatabase();
        // A few seconds under a flash-sale burst; admin mode only for CONFIG SET notify-keyspace-events.
        builder.AddFailFastRedis(RedisName, commandTimeout: TimeSpan.FromSeconds(5), allowAdmin: true);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<InventoryOptions>().BindConfiguration(InventoryOptions.Section);

        builder.AddDefaultAuthentication();
        builder.Services.AddBadRequestProblems();

        builder.Services.AddSingleton<RedisKeys>();
        builder.Services.AddSingleton<ReservationMirror>();
        builder.Services.AddSingleton<FlashSaleCounter>();
        builder.Services.AddSingleton<Reservations>();
        builder.Services.AddSingleton<OrderReservations>();
        builder.Services.AddSingleton<FlashSales>();
        builder.Services.AddSingleton<FlashSaleWriteBack>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FlashSaleWriteBack>());
        builder.Services.AddHostedService<ReservationSweeper>();
        builder.Services.AddHostedService<ReservationExpiryListener>();

        builder.AddEventConsumers();
    }

    /// <summary>
    /// Consumes Catalog's offer change events, the OrderSaga's commands and Fulfillment's shipment events when a broker
    /// is configured (the AppHost always sets one); without one the service still runs, and sellers create stock rows
    /// with PUT.
    /// </summary>
    private static void AddEventConsumers(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(KafkaName)))
        {
            return;
        }

        builder.AddKafkaClients(KafkaName);
        builder.AddChangeHandler<OfferStockProjection>(OfferStockProjection.ConsumerGroup, [OfferStockProjection.Topic]);
        builder.AddEventHandler<OrderStockCommand, OrderStockCommandHandler>(OrderStockCommandHandler.ConsumerGroup, OrderStockCommand.Topic);
        builder.AddEventHandler<ShipmentEvent, ShipmentCancelledHandler>(ShipmentCancelledHandler.ConsumerGroup, ShipmentEvent.Topic);
    }

    /// <summary>EF Core for the model and migrations, Npgsql's data source for the guarded SQL of the hot paths, each connection for a tenant (<see cref="InventoryDatabase"/>).</summary>
    public static void AddInventoryDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(DatabaseName, configureDataSourceBuilder: DataSourceDefaults.Configure);
        builder.AddServiceDbContext<InventoryContext>(DatabaseName);
        builder.Services.TryAddSingleton<InventoryDatabase>();
    }
}
