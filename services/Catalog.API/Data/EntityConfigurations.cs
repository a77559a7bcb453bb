using AspireShop.Catalog.API.Domain;
using AspireShop.Catalog.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireShop.Catalog.API.Data;

internal sealed class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> product)
    {
        product.ToTable(CatalogTables.Products.Table);
        product.HasKey(p => p.Id).HasName("pk_products");
        product.Property(p => p.Id).HasColumnName(CatalogTables.Products.Id).ValueGeneratedNever();
        product.Property(p => p.SellerId).HasColumnName(CatalogTables.Products.SellerId);
        product.Property(p => p.Title).HasColumnName(CatalogTables.Products.Title).HasMaxLength(200);
        product.Property(p => p.Description).HasColumnName(CatalogTables.Products.Description);
        product.Property(p => p.Brand).HasColumnName(CatalogTables.Products.Brand).HasMaxLength(100);
        product.Property(p => p.Category).HasColumnName(CatalogTables.Products.Category).HasMaxLength(100);
        product.Property(p => p.Images).HasColumnName(CatalogTables.Products.Images).HasJsonbArray();
        product.Property(p => p.Attributes).HasColumnName(CatalogTables.Products.Attributes).HasJsonbObject();
        product.Property(p => p.CreatedAt).HasColumnName(CatalogTables.Products.CreatedAt);
        product.Property(p => p.UpdatedAt).HasColumnName(CatalogTables.Products.UpdatedAt);

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
        sku.ToTable(CatalogTables.Skus.Table);
        sku.HasKey(s => s.Id).HasName("pk_skus");
        sku.Property(s => s.Id).HasColumnName(CatalogTables.Skus.Id).ValueGeneratedNever();
        sku.Property(s => s.ProductId).HasColumnName(CatalogTables.Skus.ProductId);
        sku.Property(s => s.Code).HasColumnName(CatalogTables.Skus.Code).HasMaxLength(64);
        sku.Property(s => s.Attributes).HasColumnName(CatalogTables.Skus.Attributes).HasJsonbObject();

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
        offer.ToTable(CatalogTables.Offers.Table, table => table.HasCheckConstraint("ck_offers_price_positive", "price > 0"));
        offer.HasKey(o => new { o.SkuId, o.SellerId }).HasName("pk_offers");
        offer.Property(o => o.SkuId).HasColumnName(CatalogTables.Offers.SkuId);
        offer.Property(o => o.SellerId).HasColumnName(CatalogTables.Offers.SellerId);
        offer.Property(o => o.Price).HasColumnName(CatalogTables.Offers.Price).HasPrecision(12, 2);
        offer.Property(o => o.Currency).HasColumnName(CatalogTables.Offers.Currency).HasColumnType("char(3)").HasDefaultValueSql("'USD'");
        offer.Property(o => o.UpdatedAt).HasColumnName(CatalogTables.Offers.UpdatedAt);
    }
}
