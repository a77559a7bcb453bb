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
}
