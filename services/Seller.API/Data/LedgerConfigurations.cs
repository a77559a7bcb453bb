using AspireShop.Seller.API.Domain.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireShop.Seller.API.Data;

internal sealed class JournalEntryConfiguration : IEntityTypeConfiguration<JournalEntry>
{
    /// <summary>One capture and at most one reversal per seller and order, whatever is redelivered or re-sent.</summary>
    public const string OnePerPartIndex = "ux_ledger_entries_part";

    public void Configure(EntityTypeBuilder<JournalEntry> entry)
    {
        entry.ToTable("ledger_entries", table =>
        {
            table.HasCheckConstraint("ck_ledger_entries_kind",
                $"(kind = '{EntryKind.Capture}' AND reverses_entry_id IS NULL AND reason IS NULL AND gross_minor > 0 AND commission_minor >= 0) " +
                $"OR (kind = '{EntryKind.Reversal}' AND reverses_entry_id IS NOT NULL AND reason IS NOT NULL AND gross_minor < 0 AND commission_minor <= 0)");
            table.HasCheckConstraint("ck_ledger_entries_commission", "commission_basis_points BETWEEN 0 AND 10000 AND abs(commission_minor) <= abs(gross_minor)");
            table.HasCheckConstraint("ck_ledger_entries_currency", "currency ~ '^[A-Z]{3}$'");
        });
        entry.HasKey(e => e.Id).HasName("pk_ledger_entries");
        entry.Property(e => e.Id).HasColumnName("id").ValueGeneratedNever();
        entry.Property(e => e.SellerId).HasColumnName("seller_id");
        entry.Property(e => e.OrderId).HasColumnName("order_id");
        entry.Property(e => e.Kind).HasColumnName("kind").HasMaxLength(16);
        entry.Property(e => e.ReversesEntryId).HasColumnName("reverses_entry_id");
        entry.Property(e => e.Currency).HasColumnName("currency").HasMaxLength(3).IsFixedLength();
        entry.Property(e => e.GrossMinor).HasColumnName("gross_minor");
        entry.Property(e => e.CommissionMinor).HasColumnName("commission_minor");
        entry.Property(e => e.CommissionBasisPoints).HasColumnName("commission_basis_points");
        entry.Property(e => e.Reason).HasColumnName("reason").HasMaxLength(200);
        entry.Property(e => e.SourceMessageId).HasColumnName("source_message_id").HasMaxLength(200);
        entry.Property(e => e.OccurredAt).HasColumnName("occurred_at");
        entry.Property(e => e.BookedAt).HasColumnName("booked_at");

        entry.HasMany(e => e.Postings).WithOne().HasForeignKey(p => p.EntryId).HasConstraintName("fk_ledger_postings_entry").OnDelete(DeleteBehavior.Restrict);
        entry.HasOne<JournalEntry>().WithOne().HasForeignKey<JournalEntry>(e => e.ReversesEntryId)
            .HasConstraintName("fk_ledger_entries_reverses").OnDelete(DeleteBehavior.Restrict);

        entry.HasIndex(e => new { e.OrderId, e.SellerId, e.Kind }).IsUnique().HasDatabaseName(OnePerPartIndex);
        entry.HasIndex(e => e.ReversesEntryId).IsUnique().HasDatabaseName("ux_ledger_entries_reverses").HasFilter("reverses_entry_id IS NOT NULL");
        entry.HasIndex(e => new { e.SellerId, e.BookedAt }).HasDatabaseName("ix_ledger_entries_seller");
    }
}

internal sealed class PostingConfiguration : IEntityTypeConfiguration<Posting>
{
    public void Configure(EntityTypeBuilder<Posting> posting)
    {
        posting.ToTable("ledger_postings", table =>
        {
            // A seller account names its seller (what row-level security reads); a platform account names none.
            table.HasCheckConstraint("ck_ledger_postings_account",
                $"(seller_id IS NULL AND account IN ('{LedgerAccounts.Clearing}', '{LedgerAccounts.Commission}')) " +
                $"OR (seller_id IS NOT NULL AND account = '{LedgerAccounts.SellerPrefix}' || seller_id::text)");
            table.HasCheckConstraint("ck_ledger_postings_amount", "amount_minor <> 0");
            table.HasCheckConstraint("ck_ledger_postings_currency", "currency ~ '^[A-Z]{3}$'");
        });
        posting.HasKey(p => new { p.EntryId, p.Line }).HasName("pk_ledger_postings");
        posting.Property(p => p.EntryId).HasColumnName("entry_id");
        posting.Property(p => p.Line).HasColumnName("line");
        posting.Property(p => p.Account).HasColumnName("account").HasMaxLength(LedgerAccounts.MaxLength);
        posting.Property(p => p.SellerId).HasColumnName("seller_id");
        posting.Property(p => p.AmountMinor).HasColumnName("amount_minor");
        posting.Property(p => p.Currency).HasColumnName("currency").HasMaxLength(3).IsFixedLength();
        posting.Property(p => p.BookedAt).HasColumnName("booked_at");

        // Statements and balances: one seller's account by booking time.
        posting.HasIndex(p => new { p.SellerId, p.BookedAt }).HasDatabaseName("ix_ledger_postings_seller").HasFilter("seller_id IS NOT NULL");
        posting.HasIndex(p => new { p.Account, p.Currency }).HasDatabaseName("ix_ledger_postings_account");
    }
}

internal sealed class ParkedRefundConfiguration : IEntityTypeConfiguration<ParkedRefund>
{
    /// <summary>Payment refunds once per (order, reason): a re-sent refund parks nothing twice.</summary>
    public const string OnePerReasonIndex = "ux_ledger_parked_refunds_reason";

    public void Configure(EntityTypeBuilder<ParkedRefund> refund)
    {
        refund.ToTable("ledger_parked_refunds", table =>
            table.HasCheckConstraint("ck_ledger_parked_refunds_amount", "amount_minor >= 0"));
        refund.HasKey(r => r.Sequence).HasName("pk_ledger_parked_refunds");
        refund.Property(r => r.Sequence).HasColumnName("sequence").UseIdentityAlwaysColumn();
        refund.Property(r => r.OrderId).HasColumnName("order_id");
        refund.Property(r => r.PaymentId).HasColumnName("payment_id");
        refund.Property(r => r.Reason).HasColumnName("reason").HasMaxLength(200);
        refund.Property(r => r.SellerId).HasColumnName("seller_id");
        refund.Property(r => r.AmountMinor).HasColumnName("amount_minor");
        refund.Property(r => r.Currency).HasColumnName("currency").HasMaxLength(3).IsFixedLength();
        refund.Property(r => r.MessageId).HasColumnName("message_id").HasMaxLength(200);
        refund.Property(r => r.ParkedAt).HasColumnName("parked_at");
        refund.Property(r => r.AppliedAt).HasColumnName("applied_at");
        refund.Property(r => r.Problem).HasColumnName("problem").HasMaxLength(1000);

        refund.HasIndex(r => new { r.OrderId, r.Reason }).IsUnique().HasDatabaseName(OnePerReasonIndex);
        // What the operator looks at: refunds still waiting, oldest first.
        refund.HasIndex(r => r.ParkedAt).HasDatabaseName("ix_ledger_parked_refunds_open").HasFilter("applied_at IS NULL");
    }
}
