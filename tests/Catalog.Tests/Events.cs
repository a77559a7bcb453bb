using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Catalog.API.Services;
using AspireShop.Inventory.Contracts;
using Confluent.Kafka;
using StackExchange.Redis;

namespace AspireShop.Catalog.Tests;

/// <summary>Publishes events as CDC would (key = aggregate id, header <c>id</c>, camelCase JSON) and reads Redis' mirror.</summary>
public static class Events
{
    public static async Task PublishAsync(string bootstrap, IEnumerable<AvailabilityChanged> changes, int? partition = null)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true }).Build();
        foreach (var change in changes)
        {
            var message = new Message<string, string>
            {
                Key = change.AggregateId,
                Value = JsonSerializer.Serialize(change, OutboxEvent.SerializerOptions),
                Headers = new Headers { { ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()) } },
            };
            if (partition is { } p)
            {
                await producer.ProduceAsync(new TopicPartition(AvailabilityChanged.Topic, new Partition(p)), message);
            }
            else
            {
                await producer.ProduceAsync(AvailabilityChanged.Topic, message);
            }
        }
    }

    public static AvailabilityChanged Availability(Guid skuId, Guid sellerId, int available, long version) =>
        new(skuId, sellerId, available, version, DateTimeOffset.UtcNow);

    /// <summary>The raw mirror value (<c>{available}:{version}</c>), or null.</summary>
    public static async Task<string?> MirrorAsync(IConnectionMultiplexer redis, Guid skuId, Guid sellerId) =>
        await redis.GetDatabase().HashGetAsync(AvailabilityStore.Key(skuId), AvailabilityStore.Field(sellerId));
}
