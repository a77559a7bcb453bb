namespace AspireShop.Catalog.API.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("catalogdb");
        builder.AddRedisClient("redis");
        builder.AddKafkaClients("kafka");
    }
}
