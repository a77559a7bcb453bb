using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.API.Domain;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Ordering.API.Data;

/// <summary>Orders with their saga state, the outbox the saga's commands leave through, the inbox and the idempotency keys.</summary>
public sealed class OrderingContext(DbContextOptions<OrderingContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(OrderingContext).Assembly);
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.AddIdempotencyKeys();
    }
}
