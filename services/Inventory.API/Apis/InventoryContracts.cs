using AspireShop.Inventory.API.Services;

namespace AspireShop.Inventory.API.Apis;

// Numbers are nullable so a missing field is a named 400, not a silent 0.
public sealed record SetStockRequest(int? OnHand);

public sealed record AdjustStockRequest(int? Delta, string? Reason);

public sealed record ReserveRequest(Guid? SkuId, Guid? SellerId, int? Quantity, int? TtlSeconds, Guid? HolderId);

public sealed record ResizeReservationRequest(int? Quantity, int? TtlSeconds);

public sealed record OpenFlashSaleRequest(Guid? SkuId, Guid? SellerId, int? Quantity, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt);

/// <summary>What Catalog's InventoryClient reads (<c>available</c>, <c>version</c>).</summary>
public sealed record AvailabilityResponse(Guid SkuId, Guid SellerId, int Available, long Version);

public sealed record StockResponse(Guid SkuId, Guid SellerId, int OnHand, int Reserved, int Available, long Version)
{
    public static StockResponse From(StockRow row) => new(row.SkuId, row.SellerId, row.OnHand, row.Reserved, row.Available, row.Version);
}

public sealed record ReservationResponse(
    Guid Id, Guid SkuId, Guid SellerId, int Quantity, Guid HolderId, string Status, DateTimeOffset ExpiresAt, Guid? FlashSaleId)
{
    public static ReservationResponse From(ReservationRecord r, DateTimeOffset now) =>
        new(r.Id, r.SkuId, r.SellerId, r.Quantity, r.HolderId, r.EffectiveStatus(now), r.ExpiresAt, r.FlashSaleId);
}

/// <summary>
/// A sale and its counters: <c>remaining</c> and <c>confirmedInRedis</c> from the Redis counter (null once Redis no
/// longer has it), the rest from Postgres (<c>writtenBack</c> = flash reservation rows, <c>heldInPostgres</c> = units of
/// active ones); after close, <c>returned</c> went back to ordinary stock and <c>reconciled</c> says Redis agreed exactly.
/// </summary>
public sealed record FlashSaleResponse(
    Guid Id,
    Guid SkuId,
    Guid SellerId,
    int Quantity,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string Status,
    int? Remaining,
    int? ConfirmedInRedis,
    int WrittenBack,
    int HeldInPostgres,
    int Confirmed,
    int? Returned,
    int? RedisRemainingAtClose,
    bool? Reconciled);
