using AspireShop.Ordering.API.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireShop.Ordering.API.Data;

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> order)
    {
        order.ToTable("orders", table =>
        {
            table.HasCheckConstraint("ck_orders_status", "status IN ('PENDING', 'CONFIRMED', 'FAILED')");
            table.HasCheckConstraint("ck_orders_total_positive", "total > 0");
        });
        order.HasKey(o => o.Id).HasName("pk_orders");
        order.Property(o => o.Id).HasColumnName("id").ValueGeneratedNever();
        order.Property(o => o.BuyerId).HasColumnName("buyer_id");
        order.Property(o => o.Status).HasColumnName("status").HasMaxLength(16);
        order.Property(o => o.FailureReason).HasColumnName("failure_reason").HasMaxLength(64);
        order.Property(o => o.Currency).HasColumnName("currency").HasMaxLength(3);
        order.Property(o => o.Total).HasColumnName("total").HasPrecision(18, 2);
        order.Property(o => o.PaymentMethod).HasColumnName("payment_method").HasMaxLength(64);
        order.Property(o => o.Step).HasColumnName("saga_step").HasConversion<string>().HasMaxLength(16);
        order.Property(o => o.StepAttempts).HasColumnName("saga_step_attempts");
        order.Property(o => o.DeadlineAt).HasColumnName("saga_deadline_at");
        order.Property(o => o.NeedsAttentionAt).HasColumnName("needs_attention_at");
        order.Property(o => o.CancelRequested).HasColumnName("cancel_requested");
        order.Property(o => o.ChargeRequested).HasColumnName("charge_requested");
        order.Property(o => o.StockReleased).HasColumnName("stock_released");
        order.Property(o => o.PaymentSettled).HasColumnName("payment_settled");
        order.Property(o => o.CreatedAt).HasColumnName("created_at");
        order.Property(o => o.UpdatedAt).HasColumnName("updated_at");
        // xmin: two moves of one saga (a reply and a timer, a cancel) cannot both win.
        order.Property(o => o.Version).HasColumnName("xmin").IsRowVersion();
        order.OwnsOne(o => o.ShippingAddress, address => address.ToJson("shipping_address"));
        // On the order's own row: a shipment's move bumps xmin, so a cancel racing it retries and sees it.
        order.OwnsMany(o => o.Shipments, shipments =>
        {
            shipments.ToJson("shipments");
            shipments.Property(s => s.Status).HasMaxLength(16);
        });
        order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.OrderId);
        order.HasMany(o => o.Timeline).WithOne().HasForeignKey(t => t.OrderId);
        order.Navigation(o => o.Lines).AutoInclude();
        // "My orders", newest first.
        order.HasIndex(o => new { o.BuyerId, o.CreatedAt }).HasDatabaseName("ix_orders_buyer_created");
        // The saga timer looks only at orders not at rest whose deadline passed.
        order.HasIndex(o => o.DeadlineAt).HasDatabaseName("ix_orders_saga_deadline").HasFilter("saga_deadline_at IS NOT NULL");
        order.HasIndex(o => o.NeedsAttentionAt).HasDatabaseName("ix_orders_needs_attention").HasFilter("needs_attention_at IS NOT NULL");
    }
}

internal sealed class OrderLineConfiguration : IEntityTypeConfiguration<OrderLine>
{
    public void Configure(EntityTypeBuilder<OrderLine> line)
    {
        line.ToTable("order_lines", table =>
        {
            table.HasCheckConstraint("ck_order_lines_quantity_positive", "quantity > 0");
            table.HasCheckConstraint("ck_order_lines_price_positive", "unit_price > 0");
        });
        line.HasKey(l => new { l.OrderId, l.LineNumber }).HasName("pk_order_lines");
        line.Property(l => l.OrderId).HasColumnName("order_id");
        line.Property(l => l.LineNumber).HasColumnName("line_number").ValueGeneratedNever();
        line.Property(l => l.SkuId).HasColumnName("sku_id");
        line.Property(l => l.SellerId).HasColumnName("seller_id");
        line.Property(l => l.ProductId).HasColumnName("product_id");
        line.Property(l => l.ProductTitle).HasColumnName("product_title").HasMaxLength(300);
        line.Property(l => l.SkuCode).HasColumnName("sku_code").HasMaxLength(100);
        line.Property(l => l.Quantity).HasColumnName("quantity");
        line.Property(l => l.UnitPrice).HasColumnName("unit_price").HasPrecision(18, 2);
        line.Property(l => l.ReservationId).HasColumnName("reservation_id");
    }
}

internal sealed class OrderTimelineConfiguration : IEntityTypeConfiguration<OrderTimelineEntry>
{
    public void Configure(EntityTypeBuilder<OrderTimelineEntry> entry)
    {
        entry.ToTable("order_timeline");
        entry.HasKey(t => t.Id).HasName("pk_order_timeline");
        entry.Property(t => t.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        entry.Property(t => t.OrderId).HasColumnName("order_id");
        entry.Property(t => t.Step).HasColumnName("step").HasMaxLength(32);
        entry.Property(t => t.Detail).HasColumnName("detail").HasMaxLength(200);
        entry.Property(t => t.At).HasColumnName("at");
    }
}
