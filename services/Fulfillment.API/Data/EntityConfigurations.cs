using AspireShop.Fulfillment.API.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireShop.Fulfillment.API.Data;

internal sealed class ShipmentConfiguration : IEntityTypeConfiguration<Shipment>
{
    public void Configure(EntityTypeBuilder<Shipment> shipment)
    {
        // The database refuses an unknown status and a shipped shipment without its carrier, whatever the code does.
        shipment.ToTable("shipments", table =>
        {
            table.HasCheckConstraint("ck_shipments_status", "status IN ('CREATED', 'PACKED', 'SHIPPED', 'DELIVERED', 'CANCELLED')");
            table.HasCheckConstraint("ck_shipments_tracked_once_shipped",
                "status NOT IN ('SHIPPED', 'DELIVERED') OR (carrier IS NOT NULL AND tracking_number IS NOT NULL AND shipped_at IS NOT NULL)");
            table.HasCheckConstraint("ck_shipments_cancel_reason", "status <> 'CANCELLED' OR cancel_reason IS NOT NULL");
        });
        // Seller-owned: the tenant leads the key, as offers and stock are keyed (sku_id, seller_id).
        shipment.HasKey(s => new { s.SellerId, s.Id }).HasName("pk_shipments");
        shipment.Property(s => s.SellerId).HasColumnName("seller_id");
        shipment.Property(s => s.Id).HasColumnName("id").ValueGeneratedNever();
        shipment.Property(s => s.OrderId).HasColumnName("order_id");
        shipment.Property(s => s.BuyerId).HasColumnName("buyer_id");
        shipment.Property(s => s.Status).HasColumnName("status").HasMaxLength(16);
        shipment.Property(s => s.Currency).HasColumnName("currency").HasMaxLength(3);
        shipment.Property(s => s.Carrier).HasColumnName("carrier").HasMaxLength(64);
        shipment.Property(s => s.TrackingNumber).HasColumnName("tracking_number").HasMaxLength(64);
        shipment.Property(s => s.CancelReason).HasColumnName("cancel_reason").HasMaxLength(200);
        shipment.Property(s => s.CreatedAt).HasColumnName("created_at");
        shipment.Property(s => s.PackedAt).HasColumnName("packed_at");
        shipment.Property(s => s.ShippedAt).HasColumnName("shipped_at");
        shipment.Property(s => s.DeliveredAt).HasColumnName("delivered_at");
        shipment.Property(s => s.CancelledAt).HasColumnName("cancelled_at");
        shipment.Property(s => s.UpdatedAt).HasColumnName("updated_at");
        shipment.Property(s => s.Version).HasColumnName("xmin").IsRowVersion();
        shipment.OwnsOne(s => s.ShippingAddress, address => address.ToJson("shipping_address"));
        shipment.HasMany(s => s.Lines).WithOne().HasForeignKey(l => new { l.SellerId, l.ShipmentId })
            .HasConstraintName("fk_shipment_lines_shipments").OnDelete(DeleteBehavior.Cascade);
        shipment.Navigation(s => s.Lines).AutoInclude();

        // A shipment's URL names only its id, so it is unique on its own too (and an admin finds it without the seller).
        shipment.HasIndex(s => s.Id).IsUnique().HasDatabaseName("ux_shipments_id");
        // One shipment per seller per order: a redelivered OrderConfirmed meets this even past the inbox.
        shipment.HasIndex(s => new { s.OrderId, s.SellerId }).IsUnique().HasDatabaseName("ux_shipments_order_seller");
        // A seller's list, newest first, optionally by status.
        shipment.HasIndex(s => new { s.SellerId, s.Status, s.CreatedAt }).HasDatabaseName("ix_shipments_seller_status_created");
        shipment.HasIndex(s => new { s.SellerId, s.CreatedAt }).HasDatabaseName("ix_shipments_seller_created");
    }
}

internal sealed class ShipmentLineConfiguration : IEntityTypeConfiguration<ShipmentLine>
{
    public void Configure(EntityTypeBuilder<ShipmentLine> line)
    {
        line.ToTable("shipment_lines", table =>
        {
            table.HasCheckConstraint("ck_shipment_lines_quantity_positive", "quantity > 0");
            table.HasCheckConstraint("ck_shipment_lines_price_non_negative", "unit_price >= 0");
        });
        line.HasKey(l => new { l.SellerId, l.ShipmentId, l.LineNumber }).HasName("pk_shipment_lines");
        line.Property(l => l.SellerId).HasColumnName("seller_id");
        line.Property(l => l.ShipmentId).HasColumnName("shipment_id");
        line.Property(l => l.LineNumber).HasColumnName("line_number").ValueGeneratedNever();
        line.Property(l => l.BuyerId).HasColumnName("buyer_id");
        line.Property(l => l.SkuId).HasColumnName("sku_id");
        line.Property(l => l.ProductId).HasColumnName("product_id");
        line.Property(l => l.ProductTitle).HasColumnName("product_title").HasMaxLength(300);
        line.Property(l => l.Quantity).HasColumnName("quantity");
        line.Property(l => l.UnitPrice).HasColumnName("unit_price").HasPrecision(18, 2);
    }
}
