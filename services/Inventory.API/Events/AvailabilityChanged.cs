using System.Text.Json.Serialization;

namespace AspireShop.Inventory.API.Events;

/// <summary>
/// Inventory's integration event, written to the outbox with every stock change: how many units of one SKU one seller
/// can sell now. <see cref="Version"/> is the stock row's version, so consumers (Catalog's availability projection)
/// drop stale copies. Aggregate type <c>availability</c>, aggregate id <c>{skuId}:{sellerId}</c>, JSON camelCase.
/// </summary>
public sealed record AvailabilityChanged(Guid SkuId, Guid SellerId, int Available, long Version, DateTimeOffset OccurredAt)
{
    public const string AggregateType = "availability";
    public const string Topic = "outbox.event." + AggregateType;

    [JsonIgnore]
    public string AggregateId => $"{SkuId}:{SellerId}";
}
