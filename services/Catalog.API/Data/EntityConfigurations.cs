using AspireShop.Catalog.API.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireShop.Catalog.API.Data;

internal sealed class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> product)
    {
        product.ToTable("products");
        product.HasKey(p => p.Id).HasName("pk_products");
        product.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
        product.Property(p => p.SellerId).HasColumnName("seller_id");
        product.Property(p => p.Title).HasColumnName("title").HasMaxLength(200);
        product.Property(p => p.Description).HasColumnName("description");
        product.Property(p => p.Brand).HasColumnName("brand").HasMaxLength(100);
        product.Property(p => p.Category).HasColumnName("category").HasMaxLength(100);
        product.Property(p => p.Images).HasColumnName("images").HasJsonbArray();
        product.Property(p => p.Attributes).HasColumnName("attributes").HasJsonbObject();
        product.Property(p => p.CreatedAt).HasColumnName("created_at");
        product.Property(p => p.UpdatedAt).HasColumnName("updated_at");

        product.HasIndex(p => p.Attributes).HasDatabaseName("ix_products_attributes").HasMethod("gin");
        // The listing filters (category, brand, seller) and its newest-first order.
        product.HasIndex(p => new { p.Category, p.CreatedAt }).HasDatabaseName("ix_products_category_created_at");
        product.HasIndex(p => new { p.Brand, p.CreatedAt }).HasDatabaseName("ix_products_brand_created_at");
        product.HasIndex(p => new { p.SellerId, p.CreatedAt }).HasDatabaseName("ix_products_seller_id_created_at");
        product.HasIndex(p => p.CreatedAt).HasDatabaseName("ix_products_created_at");

        product.HasMany(p => p.Skus).WithOne().HasForeignKey(s => s.ProductId)
            .HasConstraintName("fk_skus_products_product_id").OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SkuConfiguration : IEntityTypeConfiguration<Sku>
{
    public void Configure(EntityTypeBuilder<Sku> sku)
    {
        sku.ToTable("skus");
        sku.HasKey(s => s.Id).HasName("pk_skus");
        sku.Property(s => s.Id).HasColumnName("id").ValueGeneratedNever();
        sku.Property(s => s.ProductId).HasColumnName("product_id");
        sku.Property(s => s.Code).HasColumnName("code").HasMaxLength(64);
        sku.Property(s => s.Attributes).HasColumnName("attributes").HasJsonbObject();

        sku.HasIndex(s => s.Code).IsUnique().HasDatabaseName(SkuCodeUniqueIndex);
        sku.HasIndex(s => s.ProductId).HasDatabaseName("ix_skus_product_id");
        sku.HasIndex(s => s.Attributes).HasDatabaseName("ix_skus_attributes").HasMethod("gin");

        sku.HasMany(s => s.Offers).WithOne().HasForeignKey(o => o.SkuId)
            .HasConstraintName("fk_offers_skus_sku_id").OnDelete(DeleteBehavior.Cascade);
    }

    public const string SkuCodeUniqueIndex = "ux_skus_code";
}

internal sealed class OfferConfiguration : IEntityTypeConfiguration<Offer>
{
    public void Configure(EntityTypeBuilder<Offer> offer)
    {
        offer.ToTable("offers", table => table.HasCheckConstraint("ck_offers_price_positive", "price > 0"));
        offer.HasKey(o => new { o.SkuId, o.SellerId }).HasName("pk_offers");
        offer.Property(o => o.SkuId).HasColumnName("sku_id");
        offer.Property(o => o.SellerId).HasColumnName("seller_id");
        offer.Property(o => o.Price).HasColumnName("price").HasPrecision(12, 2);
        offer.Property(o => o.Currency).HasColumnName("currency").HasColumnType("char(3)").HasDefaultValueSql("'USD'");
        offer.Property(o => o.UpdatedAt).HasColumnName("updated_at");
    }
}

/// <summary>
/// The diagnostics' tables (ping events and their consumer's receipts), kept for the platform tests and the ping
/// benchmark. Key names are Postgres' defaults, as databases created before the migrations have them.
/// </summary>
internal sealed class PingTablesConfiguration : IEntityTypeConfiguration<PingEvent>, IEntityTypeConfiguration<PingReceipt>
{
    public void Configure(EntityTypeBuilder<PingEvent> ping)
    {
        ping.ToTable("ping_events");
        ping.HasKey(p => p.Id).HasName("ping_events_pkey");
        ping.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
        ping.Property(p => p.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
    }

    public void Configure(EntityTypeBuilder<PingReceipt> receipt)
    {
        receipt.ToTable("ping_receipts");
        receipt.HasKey(p => p.Id).HasName("ping_receipts_pkey");
        receipt.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
        receipt.Property(p => p.ReceivedAt).HasColumnName("received_at").HasDefaultValueSql("now()");
    }
}

public sealed class PingEvent
{
    public Guid Id { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class PingReceipt
{
    public Guid Id { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}
