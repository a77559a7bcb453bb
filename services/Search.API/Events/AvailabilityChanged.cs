namespace AspireShop.Search.API.Events;

/// <summary>Inventory's event (outbox.event.availability): how many units of a SKU a seller can still sell, at a version.</summary>
public sealed record AvailabilityChanged(Guid SkuId, Guid SellerId, int Available, long Version, DateTimeOffset OccurredAt);
