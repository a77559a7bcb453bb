using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Seller.API.Domain;
using AspireShop.Seller.API.Domain.Ledger;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Seller.API.Data;

/// <summary>
/// The seller database: applications, sellers, the payout ledger, and the outbox (<c>SellerApproved</c>) and inbox. Seller-owned tables
/// are protected by row-level security (<c>TenantIsolation</c>): the service works as <see cref="TenantRole"/> for the
/// request's tenant, so a query that forgets the tenant finds nothing.
/// </summary>
public sealed class SellerContext(DbContextOptions<SellerContext> options) : DbContext(options)
{
    /// <summary>The role every request and handler works as in <c>sellerdb</c>; the initial migration creates it.</summary>
    public const string TenantRole = "seller_app";

    public DbSet<SellerApplication> Applications => Set<SellerApplication>();

    public DbSet<SellerAccount> Sellers => Set<SellerAccount>();

    /// <summary>The payout ledger's journal: one entry per seller part of an order captured or refunded.</summary>
    public DbSet<JournalEntry> JournalEntries => Set<JournalEntry>();

    public DbSet<Posting> Postings => Set<Posting>();

    public DbSet<ParkedRefund> ParkedRefunds => Set<ParkedRefund>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(SellerContext).Assembly);
        modelBuilder.AddOutboxAndInbox();

        // The names Postgres gives the keys of OutboxSchema's DDL, which the migration runs for these two tables.
        modelBuilder.Entity<OutboxMessage>().HasKey(m => m.Id).HasName("outbox_pkey");
        modelBuilder.Entity<InboxEntry>().HasKey(m => new { m.Consumer, m.MessageId }).HasName("inbox_pkey");
    }
}
