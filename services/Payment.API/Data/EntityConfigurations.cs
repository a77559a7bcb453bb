using AspireShop.Payment.API.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireShop.Payment.API.Data;

internal sealed class PaymentConfiguration : IEntityTypeConfiguration<OrderPayment>
{
    public void Configure(EntityTypeBuilder<OrderPayment> payment)
    {
        // The database refuses a refund beyond the capture and an unknown status, whatever the code above it does.
        payment.ToTable("payments", table =>
        {
            table.HasCheckConstraint("ck_payments_status", "status IN ('REQUESTED', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'UNKNOWN')");
            table.HasCheckConstraint("ck_payments_refunded_within_captured", "refunded_amount >= 0 AND refunded_amount <= captured_amount");
            table.HasCheckConstraint("ck_payments_captured_non_negative", "captured_amount >= 0");
            // Only a payment fenced before its charge arrived lacks what to charge.
            table.HasCheckConstraint("ck_payments_charge_known", "status = 'FAILED' OR (amount IS NOT NULL AND currency IS NOT NULL AND payment_method IS NOT NULL)");
        });
        payment.HasKey(p => p.Id).HasName("pk_payments");
        payment.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
        payment.Property(p => p.OrderId).HasColumnName("order_id");
        payment.Property(p => p.BuyerId).HasColumnName("buyer_id");
        payment.Property(p => p.Amount).HasColumnName("amount").HasPrecision(19, 2);
        payment.Property(p => p.Currency).HasColumnName("currency").HasMaxLength(Money.MaxLength);
        payment.Property(p => p.PaymentMethod).HasColumnName("payment_method").HasMaxLength(200);
        payment.Property(p => p.Status).HasColumnName("status").HasMaxLength(16);
        payment.Property(p => p.FailureReason).HasColumnName("failure_reason").HasMaxLength(64);
        payment.Property(p => p.ProviderIntentId).HasColumnName("provider_intent_id").HasMaxLength(255);
        payment.Property(p => p.CapturedAmount).HasColumnName("captured_amount").HasPrecision(19, 2).HasDefaultValue(0m);
        payment.Property(p => p.RefundedAmount).HasColumnName("refunded_amount").HasPrecision(19, 2).HasDefaultValue(0m);
        payment.Property(p => p.ClaimedAt).HasColumnName("claimed_at");
        payment.Property(p => p.ReconcileAttempts).HasColumnName("reconcile_attempts").HasDefaultValue(0);
        payment.Property(p => p.NextAttemptAt).HasColumnName("next_attempt_at");
        payment.Property(p => p.NeedsAttentionAt).HasColumnName("needs_attention_at");
        payment.Property(p => p.Version).IsRowVersion();
        payment.Property(p => p.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        payment.Property(p => p.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");

        // One payment per order: the insert-if-absent of every redelivered or re-sent ChargePayment meets this.
        payment.HasIndex(p => p.OrderId).IsUnique().HasDatabaseName("ux_payments_order_id");
        // The PaymentReconciler's queue: only payments whose outcome is open, in the order they fall due.
        payment.HasIndex(p => p.NextAttemptAt).HasDatabaseName("ix_payments_reconcile_due")
            .HasFilter("status IN ('PROCESSING', 'UNKNOWN') AND needs_attention_at IS NULL");
        payment.HasIndex(p => p.ProviderIntentId).HasDatabaseName("ix_payments_provider_intent_id").HasFilter("provider_intent_id IS NOT NULL");

        payment.HasMany(p => p.Refunds).WithOne().HasForeignKey(r => r.PaymentId)
            .HasConstraintName("fk_refunds_payments_payment_id").OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RefundConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> refund)
    {
        refund.ToTable("refunds", table =>
        {
            table.HasCheckConstraint("ck_refunds_status", "status IN ('REQUESTED', 'SUCCEEDED', 'UNKNOWN')");
            table.HasCheckConstraint("ck_refunds_amount_non_negative", "amount >= 0");
        });
        refund.HasKey(r => r.Id).HasName("pk_refunds");
        refund.Property(r => r.Id).HasColumnName("id").ValueGeneratedNever();
        refund.Property(r => r.PaymentId).HasColumnName("payment_id");
        refund.Property(r => r.Reason).HasColumnName("reason").HasMaxLength(200);
        refund.Property(r => r.Amount).HasColumnName("amount").HasPrecision(19, 2);
        refund.Property(r => r.Status).HasColumnName("status").HasMaxLength(16);
        refund.Property(r => r.ProviderRefundId).HasColumnName("provider_refund_id").HasMaxLength(255);
        refund.Property(r => r.ClaimedAt).HasColumnName("claimed_at");
        refund.Property(r => r.ReconcileAttempts).HasColumnName("reconcile_attempts").HasDefaultValue(0);
        refund.Property(r => r.NextAttemptAt).HasColumnName("next_attempt_at");
        refund.Property(r => r.NeedsAttentionAt).HasColumnName("needs_attention_at");
        refund.Property(r => r.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        refund.Property(r => r.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");

        // Exactly one refund per (payment, reason) can exist, so only one ever reaches the provider.
        refund.HasIndex(r => r.NextAttemptAt).HasDatabaseName("ix_refunds_reconcile_due")
            .HasFilter("status IN ('REQUESTED', 'UNKNOWN') AND needs_attention_at IS NULL");
        refund.HasIndex(r => new { r.PaymentId, r.Reason }).IsUnique().HasDatabaseName("ux_refunds_payment_id_reason");
    }
}
