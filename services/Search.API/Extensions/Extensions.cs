using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.Contracts;
using AspireShop.Search.API.Data;
using AspireShop.Search.API.Events;
using AspireShop.Search.API.Indexing;
using AspireShop.ServiceDefaults.Authentication;

namespace AspireShop.Search.API.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("searchdb", configureDataSourceBuilder: DataSourceDefaults.Configure);
        builder.AddKafkaClients("kafka");
        builder.AddDefaultAuthentication();

        var section = builder.Configuration.GetSection(SearchOptions.SectionName);
        builder.Services.Configure<SearchOptions>(section);

        builder.Services.AddSingleton<SearchMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(SearchMetrics.MeterName));

        // Elasticsearch when the AppHost gives a "search" connection (containers mode), else the embedded Lucene index.
        if (builder.TryAddElasticsearchClient("search"))
        {
            builder.Services.AddSingleton(new IndexBackend("elasticsearch"));
            builder.Services.AddSingleton<ISearchIndex, ElasticsearchSearchIndex>();
        }
        else
        {
            builder.Services.AddSingleton(new IndexBackend("lucene"));
            builder.Services.AddSingleton<LuceneSearchIndex>();
            builder.Services.AddSingleton<ISearchIndex>(services => services.GetRequiredService<LuceneSearchIndex>());
        }

        builder.Services.AddSingleton<MirrorStore>();
        builder.Services.AddSingleton<DocumentIndexer>();
        builder.Services.AddSingleton<DocumentRefresher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DocumentRefresher>());
        builder.Services.AddSingleton<CatalogSnapshotReader>();
        builder.Services.AddSingleton<IndexRebuilder>();

        // Registered before the consumers: hosted services start in order, and they need the tables and the index.
        builder.Services.AddHostedService<IndexStartup>();
        builder.AddChangeHandler<CatalogChangeHandler>(CatalogChangeHandler.ConsumerGroup, CatalogChangeHandler.Topics);
        builder.AddEventHandler<AvailabilityChanged, AvailabilityChangedHandler>(AvailabilityChangedHandler.ConsumerGroup, AvailabilityChanged.Topic);
    }
}
