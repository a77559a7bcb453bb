using AspireShop.BuildingBlocks.Data;
using AspireShop.Catalog.API.Data;
using AspireShop.Catalog.API.Events;
using AspireShop.Catalog.API.Services;
using AspireShop.Inventory.Contracts;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Catalog.API.Extensions;

public static class Extensions
{
    public const string DatabaseName = "catalogdb";
    public const string RedisName = "redis";
    public const string KafkaName = "kafka";

    /// <summary>false: the context connects as the service's login, which row-level security does not restrict.</summary>
    public const string TenantIsolationSetting = "Catalog:TenantIsolation";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddCatalogDatabase();
        builder.AddFailFastRedis(RedisName);
        builder.AddKafkaClients(KafkaName);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CatalogMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(CatalogMetrics.MeterName));

        builder.AddDefaultAuthentication();
        builder.Services.AddBadRequestProblems();

        builder.AddProductCache();
        builder.AddAvailability();
        builder.Services.AddCatalogSeeder();

        builder.AddEventHandler<AvailabilityChanged, AvailabilityProjection>(AvailabilityProjection.ConsumerGroup, AvailabilityChanged.Topic);
    }

    /// <summary>
    /// EF Core for the catalog model, Npgsql for the diagnostics' plain SQL; what the migrate step needs too. The context
    /// works as <see cref="CatalogContext.TenantRole"/> for the request's tenant unless <c>Catalog:TenantIsolation</c> is false.
    /// </summary>
    public static void AddCatalogDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(DatabaseName, configureDataSourceBuilder: DataSourceDefaults.Configure);
        var isolated = builder.Configuration.GetValue(TenantIsolationSetting, defaultValue: true);
        builder.AddServiceDbContext<CatalogContext>(DatabaseName, tenantRole: isolated ? CatalogContext.TenantRole : null);
        // The request pipeline sets it either way; only an isolated context reads it.
        builder.Services.TryAddScoped<TenantContext>();
    }

    public static void AddCatalogSeeder(this IServiceCollection services)
    {
        services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.Section);
        services.AddScoped<CatalogSeeder>();
    }

    /// <summary>Product documents in HybridCache: a burst of requests for a cold product costs one database load per process.</summary>
    private static void AddProductCache(this IHostApplicationBuilder builder)
    {
        builder.AddRedisHybridCache("Catalog:ProductCache", expiration: TimeSpan.FromMinutes(10), localExpiration: TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton<ProductDocuments>();
    }

    private static void AddAvailability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AvailabilityStore>();
        builder.Services.AddScoped<AvailabilityReader>();
        builder.Services.AddOptions<InventoryOptions>().BindConfiguration(InventoryOptions.Section);

        builder.Services.AddHttpClient<InventoryClient>((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<InventoryOptions>>().Value.BaseAddress)
            // A page must not wait: short attempts, one retry, and the breaker's state on the dashboard.
            .AddDownstreamResilience(InventoryOptions.Section, (options, services) =>
            {
                var metrics = services.GetRequiredService<CatalogMetrics>();
                options.CircuitBreaker.OnOpened = _ =>
                {
                    metrics.InventoryCircuitChanged(open: true);
                    return ValueTask.CompletedTask;
                };
                options.CircuitBreaker.OnHalfOpened = _ =>
                {
                    metrics.InventoryCircuitChanged(open: false);
                    return ValueTask.CompletedTask;
                };
                options.CircuitBreaker.OnClosed = _ =>
                {
                    metrics.InventoryCircuitChanged(open: false);
                    return ValueTask.CompletedTask;
                };
            });
    }
}
