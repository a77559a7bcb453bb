using System;
using AspireShop.BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AspireShop.Seller.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddPayoutLedger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ledger_entries",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    seller_id = table.Column<Guid>(type: "uuid", nullable: false),
                    order_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    reverses_entry_id = table.Column<Guid>(type: "uuid", nullable: true),
                    currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                    gross_minor = table.Column<long>(type: "bigint", nullable: false),
                    commission_minor = table.Column<long>(type: "bigint", nullable: false),
                    commission_basis_points = table.Column<int>(type: "integer", nullable: false),
                    reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    source_message_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    booked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ledger_entries", x => x.id);
                    table.CheckConstraint("ck_ledger_entries_commission", "commission_basis_points BETWEEN 0 AND 10000 AND abs(commission_minor) <= abs(gross_minor)");
                    table.CheckConstraint("ck_ledger_entries_currency", "currency ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("ck_ledger_entries_kind", "(kind = 'capture' AND reverses_entry_id IS NULL AND reason IS NULL AND gross_minor > 0 AND commission_minor >= 0) OR (kind = 'reversal' AND reverses_entry_id IS NOT NULL AND reason IS NOT NULL AND gross_minor < 0 AND commission_minor <= 0)");
                    table.ForeignKey(
                        name: "fk_ledger_entries_reverses",
                        column: x => x.reverses_entry_id,
                        principalTable: "ledger_entries",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ledger_parked_refunds",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    order_id = table.Column<Guid>(type: "uuid", nullable: false),
                    payment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    seller_id = table.Column<Guid>(type: "uuid", nullable: true),
                    amount_minor = table.Column<long>(type: "bigint", nullable: false),
                    currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                    message_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    parked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    applied_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    problem = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ledger_parked_refunds", x => x.sequence);
                    table.CheckConstraint("ck_ledger_parked_refunds_amount", "amount_minor >= 0");
                });

            migrationBuilder.CreateTable(
                name: "ledger_postings",
                columns: table => new
                {
                    entry_id = table.Column<Guid>(type: "uuid", nullable: false),
                    line = table.Column<int>(type: "integer", nullable: false),
                    account = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    seller_id = table.Column<Guid>(type: "uuid", nullable: true),
                    amount_minor = table.Column<long>(type: "bigint", nullable: false),
                    currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                    booked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ledger_postings", x => new { x.entry_id, x.line });
                    table.CheckConstraint("ck_ledger_postings_account", "(seller_id IS NULL AND account IN ('platform:clearing', 'platform:commission')) OR (seller_id IS NOT NULL AND account = 'seller:' || seller_id::text)");
                    table.CheckConstraint("ck_ledger_postings_amount", "amount_minor <> 0");
                    table.CheckConstraint("ck_ledger_postings_currency", "currency ~ '^[A-Z]{3}$'");
                    table.ForeignKey(
                        name: "fk_ledger_postings_entry",
                        column: x => x.entry_id,
                        principalTable: "ledger_entries",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_ledger_entries_seller",
                table: "ledger_entries",
                columns: new[] { "seller_id", "booked_at" });

            migrationBuilder.CreateIndex(
                name: "ux_ledger_entries_part",
                table: "ledger_entries",
                columns: new[] { "order_id", "seller_id", "kind" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_ledger_entries_reverses",
                table: "ledger_entries",
                column: "reverses_entry_id",
                unique: true,
                filter: "reverses_entry_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_ledger_parked_refunds_open",
                table: "ledger_parked_refunds",
                column: "parked_at",
                filter: "applied_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ux_ledger_parked_refunds_reason",
                table: "ledger_parked_refunds",
                columns: new[] { "order_id", "reason" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_ledger_postings_account",
                table: "ledger_postings",
                columns: new[] { "account", "currency" });

            migrationBuilder.CreateIndex(
                name: "ix_ledger_postings_seller",
                table: "ledger_postings",
                columns: new[] { "seller_id", "booked_at" },
                filter: "seller_id IS NOT NULL");

            // Every entry balances (checked at commit), and the service only ever appends to the journal.
            migrationBuilder.Sql(LedgerSchema.BalancedEntriesSql);
            migrationBuilder.Sql(LedgerSchema.AppendOnlySql(SellerContext.TenantRole));

            // Row-level security: a seller sees its own entries, postings and parked refunds; the platform's postings and
            // full refunds (no seller_id) only the platform.
            migrationBuilder.Sql(TenantIsolation.EnableSql("ledger_entries"));
            migrationBuilder.Sql(TenantIsolation.EnableSql("ledger_postings"));
            migrationBuilder.Sql(TenantIsolation.EnableSql("ledger_parked_refunds"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ledger_parked_refunds");

            migrationBuilder.DropTable(
                name: "ledger_postings");

            migrationBuilder.DropTable(
                name: "ledger_entries");

            migrationBuilder.Sql("DROP FUNCTION IF EXISTS ledger_entry_balanced();");
        }
    }
}
