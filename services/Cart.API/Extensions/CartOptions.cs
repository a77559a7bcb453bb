namespace AspireShop.Cart.API.Extensions;

/// <summary><c>Cart</c>: where the cart keeps its data and whom it calls.</summary>
public sealed class CartOptions
{
    public const string Section = "Cart";

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

/// <summary>
/// <c>Cart:Inventory</c> / <c>Cart:Catalog</c>: how long a cart request may wait for a dependency. A buyer is waiting,
/// so attempts are short, retries few, and a breaker stops hammering a failing service (the caller gets a 503).
/// </summary>
public sealed class DownstreamOptions
{
    public const string InventorySection = "Cart:Inventory";
    public const string CatalogSection = "Cart:Catalog";

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxRetryAttempts { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
