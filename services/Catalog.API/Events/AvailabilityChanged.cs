using System.Text.Json.Serialization;

namespace AspireShop.Catalog.API.Events;

/// <summary>
/// Inventory's integration event (produced through its outbox): how many units of one SKU one seller can sell now.
/// <see cref="Version"/> increases with every change of that (SKU, seller) pair, so consumers can drop stale copies.
/// Aggregate type <c>availability</c>, aggregate id <c>{skuId}:{sellerId}</c>, JSON camelCase.
/// </summary>
public sealed record AvailabilityChanged(Guid SkuId, Guid SellerId, int Available, long Version, DateTimeOffset OccurredAt)
{
    public const string AggregateType = "availability";
    public const string Topic = "outbox.event." + AggregateType;

    [JsonIgnore]
    public string AggregateId => $"{SkuId}:{SellerId}";
}
