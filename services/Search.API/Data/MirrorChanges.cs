using AspireShop.BuildingBlocks.Messaging;

namespace AspireShop.Search.API.Data;

public sealed record ProductRow(
    Guid Id, Guid? SellerId, string? Title, MaybeText Description, string? Brand, string? Category,
    MaybeText ImagesJson, MaybeText AttributesJson, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt);

public sealed record SkuRow(Guid Id, Guid? ProductId, string? Code, MaybeText AttributesJson);

public sealed record OfferRow(Guid SkuId, Guid SellerId, decimal? Price, string? Currency, DateTimeOffset? UpdatedAt);

public sealed record AvailabilityRow(Guid SkuId, Guid SellerId, int Available, long Version, DateTimeOffset? OccurredAt);

/// <summary>One change to apply to the mirror; <c>Deleted</c> turns the row into a tombstone at that version.</summary>
public abstract record MirrorChange(bool Deleted)
{
    /// <summary>When the change happened at its source (commit or event time), for the freshness metric.</summary>
    public long? SourceTimestampMs { get; init; }

    /// <summary>The SKU whose product is looked up or changed; changes touching the same SKU take turns (see MirrorStore).</summary>
    public abstract Guid? SkuId { get; }
}

public sealed record ProductChange(ProductRow Row, bool Deleted, ChangeVersion Version) : MirrorChange(Deleted)
{
    public override Guid? SkuId => null;
}

public sealed record SkuChange(SkuRow Row, Guid? PreviousProductId, bool Deleted, ChangeVersion Version) : MirrorChange(Deleted)
{
    public override Guid? SkuId => Row.Id;
}

public sealed record OfferChange(OfferRow Row, bool Deleted, ChangeVersion Version) : MirrorChange(Deleted)
{
    public override Guid? SkuId => Row.SkuId;
}

public sealed record AvailabilityChange(AvailabilityRow Row) : MirrorChange(false)
{
    public override Guid? SkuId => Row.SkuId;
}

/// <summary>
/// What applying changes did: how many the mirror took and refused as stale, and the products whose documents to
/// rewrite, each with the earliest source time of the changes that moved it (null when none did).
/// </summary>
public sealed record MirrorResult(int Applied, int Stale, IReadOnlyDictionary<Guid, long?> Affected);
