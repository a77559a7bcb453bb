namespace AspireShop.Inventory.API.Extensions;

/// <summary><c>Inventory</c>: Redis key prefix, reservation and flash-sale tuning, demo stock.</summary>
public sealed class InventoryOptions
{
    public const string Section = "Inventory";

    /// <summary>Every Redis key starts with it, so side-by-side deployments (and parallel tests) never meet.</summary>
    public string RedisPrefix { get; set; } = "inventory:";

    /// <summary>Every connection works as <c>inventory_app</c> for its tenant, under row-level security (<see cref="Data.InventoryDatabase"/>).</summary>
    public bool TenantIsolation { get; set; } = true;

    public ReservationOptions Reservations { get; set; } = new();

    public FlashSaleOptions FlashSales { get; set; } = new();

    public DemoOptions Demo { get; set; } = new();
}

public sealed class ReservationOptions
{
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan MinTtl { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromHours(24);

    public int MaxQuantity { get; set; } = 10_000;

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int SweepBatchSize { get; set; } = 200;

    /// <summary>Subscribe to Redis expiry events (and ask Redis to send them) as a prompt to release sooner.</summary>
    public bool KeyspaceNotifications { get; set; } = true;
}

public sealed class FlashSaleOptions
{
    public int MaxQuantity { get; set; } = 1_000_000;

    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromDays(7);

    public WriteBackOptions WriteBack { get; set; } = new();
}

public sealed class WriteBackOptions
{
    /// <summary>Off only to test recovery: the pending list then grows until an instance with it on starts.</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(200);

    public int BatchSize { get; set; } = 500;

    /// <summary>The stream consumer name; a restarted instance with the same name re-reads what it had in flight.</summary>
    public string Consumer { get; set; } = Environment.MachineName;

    /// <summary>Entries another (dead) consumer has held this long are claimed and applied here.</summary>
    public TimeSpan ClaimIdle { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class DemoOptions
{
    /// <summary>On-hand given to a stock row created for a newly offered SKU.</summary>
    public int InitialStock { get; set; }
}
