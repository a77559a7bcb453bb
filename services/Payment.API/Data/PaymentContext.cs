using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Payment.API.Domain;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Payment.API.Data;

/// <summary>
/// The payment database: payments, their refunds, and the outbox (replies to the saga) and inbox (commands and
/// provider webhooks already handled). State changes are guarded updates, never read-modify-write.
/// </summary>
public sealed class PaymentContext(DbContextOptions<PaymentContext> options) : DbContext(options)
{
    public DbSet<OrderPayment> Payments => Set<OrderPayment>();

    public DbSet<Refund> Refunds => Set<Refund>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PaymentContext).Assembly);
        modelBuilder.AddOutboxAndInbox();

        // The names Postgres gives the keys of OutboxSchema's DDL, which the migration runs for these two tables.
        modelBuilder.Entity<OutboxMessage>().HasKey(m => m.Id).HasName("outbox_pkey");
        modelBuilder.Entity<InboxEntry>().HasKey(m => new { m.Consumer, m.MessageId }).HasName("inbox_pkey");
    }
}
