using System.Text.Json.Serialization;

namespace AspireShop.Inventory.Contracts;

/// <summary>
/// Written to Inventory's outbox with every stock change: how many units of one SKU one seller can sell now.
/// <see cref="Version"/> is the stock row's version and increases with every change of that (SKU, seller) pair, so
/// consumers drop stale or redelivered copies. Aggregate id <c>{skuId}:{sellerId}</c> (the Kafka key), JSON camelCase.
/// </summary>
public sealed record AvailabilityChanged(Guid SkuId, Guid SellerId, int Available, long Version, DateTimeOffset OccurredAt)
{
    public const string AggregateType = "availability";
    public const string Topic = "outbox.event." + AggregateType;

    [JsonIgnore]
    public string AggregateId => $"{SkuId}:{SellerId}";
}
