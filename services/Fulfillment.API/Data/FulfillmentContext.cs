using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Fulfillment.API.Domain;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Fulfillment.API.Data;

/// <summary>
/// The fulfillment database: shipments and their lines (seller-owned, <c>seller_id</c> first in every key), the outbox
/// (shipment events) and the inbox (order events already handled).
/// </summary>
public sealed class FulfillmentContext(DbContextOptions<FulfillmentContext> options) : DbContext(options)
{
    public DbSet<Shipment> Shipments => Set<Shipment>();

    public DbSet<ShipmentLine> ShipmentLines => Set<ShipmentLine>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(FulfillmentContext).Assembly);
        modelBuilder.AddOutboxAndInbox();

        // The names Postgres gives the keys of OutboxSchema's DDL, which the migration runs for these two tables.
        modelBuilder.Entity<OutboxMessage>().HasKey(m => m.Id).HasName("outbox_pkey");
        modelBuilder.Entity<InboxEntry>().HasKey(m => new { m.Consumer, m.MessageId }).HasName("inbox_pkey");
    }
}
