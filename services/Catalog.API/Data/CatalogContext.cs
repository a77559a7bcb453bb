using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Catalog.API.Domain;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Catalog.API.Data;

/// <summary>
/// The catalog database. Table and column names are a contract: Search consumes their Debezium change events.
/// <c>offers</c> is under row-level security (<see cref="OfferTenancy"/>): the service works as <see cref="TenantRole"/>
/// for the token's tenant, so a seller's connection cannot write another seller's offer whatever the code above it does.
/// </summary>
public sealed class CatalogContext(DbContextOptions<CatalogContext> options) : DbContext(options)
{
    public const string TenantRole = "catalog_app";

    public DbSet<Product> Products => Set<Product>();

    public DbSet<Sku> Skus => Set<Sku>();

    public DbSet<Offer> Offers => Set<Offer>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CatalogContext).Assembly);
        modelBuilder.AddOutboxAndInbox();

        // The names Postgres gives the keys of OutboxSchema's DDL, which the migration runs for these two tables.
        modelBuilder.Entity<OutboxMessage>().HasKey(m => m.Id).HasName("outbox_pkey");
        modelBuilder.Entity<InboxEntry>().HasKey(m => new { m.Consumer, m.MessageId }).HasName("inbox_pkey");
    }
}
