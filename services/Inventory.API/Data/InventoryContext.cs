using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Inventory.API.Data.Schema;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Inventory.API.Data;

/// <summary>
/// The inventory schema (the entity classes in <c>Data/Schema</c> describe tables, not a runtime model). EF Core owns
/// the model and the migrations; the hot paths run hand-written conditional SQL (<see cref="Services.StockStore"/>)
/// because every change must be one guarded UPDATE, never read-modify-write.
/// </summary>
public sealed class InventoryContext(DbContextOptions<InventoryContext> options) : DbContext(options)
{
    public DbSet<Stock> Stock => Set<Stock>();

    public DbSet<Reservation> Reservations => Set<Reservation>();

    public DbSet<FlashSale> FlashSales => Set<FlashSale>();

    public DbSet<StockMovement> StockMovements => Set<StockMovement>();

    public DbSet<OrderStock> OrderStock => Set<OrderStock>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(InventoryContext).Assembly);
        modelBuilder.AddOutboxAndInbox();

        // The names Postgres gives the keys of OutboxSchema's DDL, which the migration runs for these two tables.
        modelBuilder.Entity<OutboxMessage>().HasKey(m => m.Id).HasName("outbox_pkey");
        modelBuilder.Entity<InboxEntry>().HasKey(m => new { m.Consumer, m.MessageId }).HasName("inbox_pkey");
    }
}
