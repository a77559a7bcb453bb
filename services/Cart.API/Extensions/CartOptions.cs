namespace AspireShop.Cart.API.Extensions;

/// <summary><c>Cart</c>: where the cart keeps its data and whom it calls.</summary>
public sealed class CartOptions
{
    public const string Section = "Cart";

    /// <summary>The cart's <see cref="ServiceDefaults.Http.DownstreamOptions"/> for each dependency.</summary>
    public const string InventorySection = "Cart:Inventory";
    public const string CatalogSection = "Cart:Catalog";

    /// <summary>Prepended to every Redis key, so several hosts (tests) can share one Redis database.</summary>
    public string RedisPrefix { get; set; } = "";

    /// <summary>Resolved by service discovery (<c>services:catalog:http:0</c>).</summary>
    public Uri CatalogBaseAddress { get; set; } = new("http://catalog");

    /// <summary>Resolved by service discovery (<c>services:inventory:http:0</c>).</summary>
    public Uri InventoryBaseAddress { get; set; } = new("http://inventory");

    /// <summary>How long Inventory holds a line's units; an abandoned cart's holds simply expire.</summary>
    public TimeSpan HoldTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A cart nobody changed for this long is deleted by Redis.</summary>
    public TimeSpan IdleExpiry { get; set; } = TimeSpan.FromDays(30);

    public HoldReconcilerOptions HoldReconciler { get; set; } = new();

    /// <summary>Catalog offers the cart prices lines from, kept fresh by Catalog's change events.</summary>
    public OfferCacheOptions OfferCache { get; set; } = new();
}

/// <summary><c>Cart:HoldReconciler</c>: how often unsettled holds are looked at, and how old one must be.</summary>
public sealed class HoldReconcilerOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longer than any add can take (queue, attempts, undo), so a live request is never second-guessed.</summary>
    public TimeSpan After { get; set; } = TimeSpan.FromMinutes(2);

    public int BatchSize { get; set; } = 100;
}

/// <summary><c>Cart:OfferCache</c>: the change events remove entries; the expiry only bounds a missed event.</summary>
public sealed class OfferCacheOptions
{
    public TimeSpan Expiration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Another instance's event removes the Redis copy, not this process' memory copy.</summary>
    public TimeSpan LocalExpiration { get; set; } = TimeSpan.FromSeconds(30);
}
