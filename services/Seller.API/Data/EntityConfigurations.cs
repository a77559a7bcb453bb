using AspireShop.Seller.API.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireShop.Seller.API.Data;

internal sealed class SellerApplicationConfiguration : IEntityTypeConfiguration<SellerApplication>
{
    public const string OpenPerUserIndex = "ux_seller_applications_open_per_user";

    public void Configure(EntityTypeBuilder<SellerApplication> application)
    {
        application.ToTable("seller_applications", table =>
        {
            table.HasCheckConstraint("ck_seller_applications_status", "status IN ('pending', 'approved', 'rejected')");
            // An approval always names its seller and commission; a rejection always says why.
            table.HasCheckConstraint("ck_seller_applications_decision",
                "(status = 'pending' AND decided_at IS NULL) " +
                "OR (status = 'approved' AND seller_id IS NOT NULL AND commission_basis_points IS NOT NULL AND decided_at IS NOT NULL) " +
                "OR (status = 'rejected' AND rejection_reason IS NOT NULL AND decided_at IS NOT NULL)");
            table.HasCheckConstraint("ck_seller_applications_commission", "commission_basis_points BETWEEN 0 AND 10000");
        });
        application.HasKey(a => a.Id).HasName("pk_seller_applications");
        application.Property(a => a.Id).HasColumnName("id").ValueGeneratedNever();
        application.Property(a => a.UserId).HasColumnName("user_id");
        application.Property(a => a.BusinessName).HasColumnName("business_name").HasMaxLength(200);
        application.Property(a => a.ContactEmail).HasColumnName("contact_email").HasMaxLength(254);
        application.Property(a => a.PayoutAccount).HasColumnName("payout_account").HasMaxLength(PayoutAccount.MaxLength);
        application.Property(a => a.Status).HasColumnName("status").HasMaxLength(16);
        application.Property(a => a.RejectionReason).HasColumnName("rejection_reason").HasMaxLength(500);
        application.Property(a => a.SellerId).HasColumnName("seller_id");
        application.Property(a => a.CommissionBasisPoints).HasColumnName("commission_basis_points");
        application.Property(a => a.SubmittedAt).HasColumnName("submitted_at");
        application.Property(a => a.DecidedAt).HasColumnName("decided_at");
        application.Property(a => a.DecidedBy).HasColumnName("decided_by").HasMaxLength(255);
        application.Property(a => a.Version).IsRowVersion();

        // One open application per user, and none once approved: a second POST meets this index (409).
        application.HasIndex(a => a.UserId).IsUnique().HasDatabaseName(OpenPerUserIndex).HasFilter("status IN ('pending', 'approved')");
        application.HasIndex(a => new { a.UserId, a.SubmittedAt }).HasDatabaseName("ix_seller_applications_user_id");
        // The admins' queue, oldest first.
        application.HasIndex(a => new { a.Status, a.SubmittedAt }).HasDatabaseName("ix_seller_applications_status");
        application.HasIndex(a => a.SellerId).HasDatabaseName("ix_seller_applications_seller_id").HasFilter("seller_id IS NOT NULL");
    }
}

internal sealed class SellerAccountConfiguration : IEntityTypeConfiguration<SellerAccount>
{
    public void Configure(EntityTypeBuilder<SellerAccount> seller)
    {
        seller.ToTable("sellers", table =>
            table.HasCheckConstraint("ck_sellers_commission", "commission_basis_points BETWEEN 0 AND 10000"));
        seller.HasKey(s => s.SellerId).HasName("pk_sellers");
        seller.Property(s => s.SellerId).HasColumnName("seller_id").ValueGeneratedNever();
        seller.Property(s => s.UserId).HasColumnName("user_id");
        seller.Property(s => s.ApplicationId).HasColumnName("application_id");
        seller.Property(s => s.BusinessName).HasColumnName("business_name").HasMaxLength(200);
        seller.Property(s => s.ContactEmail).HasColumnName("contact_email").HasMaxLength(254);
        seller.Property(s => s.PayoutAccount).HasColumnName("payout_account").HasMaxLength(PayoutAccount.MaxLength);
        seller.Property(s => s.CommissionBasisPoints).HasColumnName("commission_basis_points");
        seller.Property(s => s.CreatedAt).HasColumnName("created_at");
        seller.Property(s => s.UpdatedAt).HasColumnName("updated_at");
        seller.Property(s => s.Version).IsRowVersion();

        // A user acts for at most one seller (Identity's seller_id claim is single-valued).
        seller.HasIndex(s => s.UserId).IsUnique().HasDatabaseName("ux_sellers_user_id");
        seller.HasIndex(s => s.ApplicationId).IsUnique().HasDatabaseName("ux_sellers_application_id");
    }
}
