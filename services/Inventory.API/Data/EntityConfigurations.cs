using AspireShop.Inventory.API.Data.Schema;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireShop.Inventory.API.Data;

internal sealed class StockConfiguration : IEntityTypeConfiguration<Stock>
{
    public void Configure(EntityTypeBuilder<Stock> stock)
    {
        // The database refuses any state that oversells, whatever the code above it does.
        stock.ToTable("stock", table =>
        {
            table.HasCheckConstraint("ck_stock_on_hand_non_negative", "on_hand >= 0");
            table.HasCheckConstraint("ck_stock_reserved_non_negative", "reserved >= 0");
            table.HasCheckConstraint("ck_stock_reserved_within_on_hand", "reserved <= on_hand");
        });
        stock.HasKey(s => new { s.SkuId, s.SellerId }).HasName("pk_stock");
        stock.Property(s => s.SkuId).HasColumnName("sku_id");
        stock.Property(s => s.SellerId).HasColumnName("seller_id");
        stock.Property(s => s.OnHand).HasColumnName("on_hand");
        stock.Property(s => s.Reserved).HasColumnName("reserved");
        stock.Property(s => s.Available).HasColumnName("available").HasComputedColumnSql("on_hand - reserved", stored: true);
        stock.Property(s => s.Version).HasColumnName("version");
        stock.Property(s => s.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");
        // Rows from before withdrawals were tracked all came from published offers.
        stock.Property(s => s.Offered).HasColumnName("offered").HasDefaultValue(true);
        stock.Property(s => s.OfferLsn).HasColumnName("offer_lsn");
    }
}

internal sealed class ReservationConfiguration : IEntityTypeConfiguration<Reservation>
{
    public void Configure(EntityTypeBuilder<Reservation> reservation)
    {
        reservation.ToTable("reservations", table =>
        {
            table.HasCheckConstraint("ck_reservations_quantity_positive", "quantity > 0");
            table.HasCheckConstraint("ck_reservations_status", "status IN ('active', 'released', 'expired', 'confirmed', 'returned')");
        });
        reservation.HasKey(r => r.Id).HasName("pk_reservations");
        reservation.Property(r => r.Id).HasColumnName("id").ValueGeneratedNever();
        reservation.Property(r => r.SkuId).HasColumnName("sku_id");
        reservation.Property(r => r.SellerId).HasColumnName("seller_id");
        reservation.Property(r => r.HolderId).HasColumnName("holder_id");
        reservation.Property(r => r.Quantity).HasColumnName("quantity");
        reservation.Property(r => r.Status).HasColumnName("status").HasMaxLength(16);
        reservation.Property(r => r.TtlSeconds).HasColumnName("ttl_seconds");
        reservation.Property(r => r.ExpiresAt).HasColumnName("expires_at");
        reservation.Property(r => r.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        reservation.Property(r => r.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");
        reservation.Property(r => r.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(200);
        reservation.Property(r => r.FlashSaleId).HasColumnName("flash_sale_id");
        reservation.Property(r => r.OrderId).HasColumnName("order_id");

        // The sweeper's scan: only active holds, oldest expiry first.
        reservation.HasIndex(r => r.ExpiresAt).HasDatabaseName("ix_reservations_active_expires_at").HasFilter("status = 'active'");
        reservation.HasIndex(r => new { r.HolderId, r.IdempotencyKey }).IsUnique()
            .HasDatabaseName("ux_reservations_holder_idempotency_key").HasFilter("idempotency_key IS NOT NULL");
        reservation.HasIndex(r => new { r.FlashSaleId, r.Status }).HasDatabaseName("ix_reservations_flash_sale_id_status")
            .HasFilter("flash_sale_id IS NOT NULL");
        // The order commands' scan: one order's holds.
        reservation.HasIndex(r => r.OrderId).HasDatabaseName("ix_reservations_order_id").HasFilter("order_id IS NOT NULL");
    }
}

internal sealed class OrderStockConfiguration : IEntityTypeConfiguration<OrderStock>
{
    public void Configure(EntityTypeBuilder<OrderStock> order)
    {
        order.ToTable("order_stock", table =>
        {
            table.HasCheckConstraint("ck_order_stock_status", "status IN ('reserved', 'rejected', 'committed', 'released')");
        });
        order.HasKey(o => o.OrderId).HasName("pk_order_stock");
        order.Property(o => o.OrderId).HasColumnName("order_id").ValueGeneratedNever();
        order.Property(o => o.BuyerId).HasColumnName("buyer_id");
        order.Property(o => o.Status).HasColumnName("status").HasMaxLength(16);
        order.Property(o => o.Reason).HasColumnName("reason").HasMaxLength(32);
        order.Property(o => o.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        order.Property(o => o.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");
    }
}

internal sealed class FlashSaleConfiguration : IEntityTypeConfiguration<FlashSale>
{
    public void Configure(EntityTypeBuilder<FlashSale> sale)
    {
        sale.ToTable("flash_sales", table =>
        {
            table.HasCheckConstraint("ck_flash_sales_quantity_positive", "quantity > 0");
            table.HasCheckConstraint("ck_flash_sales_confirmed_within_quantity", "confirmed >= 0 AND confirmed <= quantity");
        });
        sale.HasKey(s => s.Id).HasName("pk_flash_sales");
        sale.Property(s => s.Id).HasColumnName("id").ValueGeneratedNever();
        sale.Property(s => s.SkuId).HasColumnName("sku_id");
        sale.Property(s => s.SellerId).HasColumnName("seller_id");
        sale.Property(s => s.Quantity).HasColumnName("quantity");
        sale.Property(s => s.StartsAt).HasColumnName("starts_at");
        sale.Property(s => s.EndsAt).HasColumnName("ends_at");
        sale.Property(s => s.Status).HasColumnName("status").HasMaxLength(16);
        sale.Property(s => s.Confirmed).HasColumnName("confirmed");
        sale.Property(s => s.HeldAtClose).HasColumnName("held_at_close");
        sale.Property(s => s.Returned).HasColumnName("returned");
        sale.Property(s => s.RedisRemainingAtClose).HasColumnName("redis_remaining_at_close");
        sale.Property(s => s.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        sale.Property(s => s.ClosedAt).HasColumnName("closed_at");

        // One open sale per offer: two counters for the same units could each sell them.
        sale.HasIndex(s => new { s.SkuId, s.SellerId }).IsUnique().HasDatabaseName("ux_flash_sales_one_active_per_offer")
            .HasFilter("status = 'active'");
    }
}

internal sealed class StockMovementConfiguration : IEntityTypeConfiguration<StockMovement>
{
    public void Configure(EntityTypeBuilder<StockMovement> movement)
    {
        movement.ToTable("stock_movements");
        movement.HasKey(m => m.Id).HasName("pk_stock_movements");
        movement.Property(m => m.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        movement.Property(m => m.SkuId).HasColumnName("sku_id");
        movement.Property(m => m.SellerId).HasColumnName("seller_id");
        movement.Property(m => m.Kind).HasColumnName("kind").HasMaxLength(16);
        movement.Property(m => m.OnHandDelta).HasColumnName("on_hand_delta");
        movement.Property(m => m.ReservedDelta).HasColumnName("reserved_delta");
        movement.Property(m => m.OnHandAfter).HasColumnName("on_hand_after");
        movement.Property(m => m.ReservedAfter).HasColumnName("reserved_after");
        movement.Property(m => m.Version).HasColumnName("version");
        movement.Property(m => m.ReservationId).HasColumnName("reservation_id");
        movement.Property(m => m.FlashSaleId).HasColumnName("flash_sale_id");
        movement.Property(m => m.Reason).HasColumnName("reason").HasMaxLength(200);
        movement.Property(m => m.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");

        movement.HasIndex(m => new { m.SkuId, m.SellerId, m.Version }).HasDatabaseName("ix_stock_movements_sku_id_seller_id_version");
    }
}
