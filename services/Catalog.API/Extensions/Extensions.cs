using AspireShop.Catalog.API.Data;
using AspireShop.Catalog.API.Events;

namespace AspireShop.Catalog.API.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("catalogdb");
        builder.AddRedisClient("redis");
        builder.AddKafkaClients("kafka");

        builder.Services.AddHostedService<CatalogSchema>();
        builder.AddKafkaConsumer<PingRecordedHandler>(PingRecordedHandler.ConsumerGroup, [PingRecorded.Topic]);
    }
}
