using System;
using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Seller.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The shared outbox/inbox DDL, identical in every service so Debezium and the CdcRelay read the same columns.
            migrationBuilder.Sql(OutboxSchema.CreateAll);

            migrationBuilder.CreateTable(
                name: "seller_applications",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    business_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    contact_email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    payout_account = table.Column<string>(type: "character varying(34)", maxLength: 34, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    rejection_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    seller_id = table.Column<Guid>(type: "uuid", nullable: true),
                    commission_basis_points = table.Column<int>(type: "integer", nullable: true),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decided_by = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_seller_applications", x => x.id);
                    table.CheckConstraint("ck_seller_applications_commission", "commission_basis_points BETWEEN 0 AND 10000");
                    table.CheckConstraint("ck_seller_applications_decision", "(status = 'pending' AND decided_at IS NULL) OR (status = 'approved' AND seller_id IS NOT NULL AND commission_basis_points IS NOT NULL AND decided_at IS NOT NULL) OR (status = 'rejected' AND rejection_reason IS NOT NULL AND decided_at IS NOT NULL)");
                    table.CheckConstraint("ck_seller_applications_status", "status IN ('pending', 'approved', 'rejected')");
                });

            migrationBuilder.CreateTable(
                name: "sellers",
                columns: table => new
                {
                    seller_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    application_id = table.Column<Guid>(type: "uuid", nullable: false),
                    business_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    contact_email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    payout_account = table.Column<string>(type: "character varying(34)", maxLength: 34, nullable: false),
                    commission_basis_points = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sellers", x => x.seller_id);
                    table.CheckConstraint("ck_sellers_commission", "commission_basis_points BETWEEN 0 AND 10000");
                });

            migrationBuilder.CreateIndex(
                name: "ix_seller_applications_seller_id",
                table: "seller_applications",
                column: "seller_id",
                filter: "seller_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_seller_applications_status",
                table: "seller_applications",
                columns: new[] { "status", "submitted_at" });

            migrationBuilder.CreateIndex(
                name: "ix_seller_applications_user_id",
                table: "seller_applications",
                columns: new[] { "user_id", "submitted_at" });

            migrationBuilder.CreateIndex(
                name: "ux_seller_applications_open_per_user",
                table: "seller_applications",
                column: "user_id",
                unique: true,
                filter: "status IN ('pending', 'approved')");

            migrationBuilder.CreateIndex(
                name: "ux_sellers_application_id",
                table: "sellers",
                column: "application_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_sellers_user_id",
                table: "sellers",
                column: "user_id",
                unique: true);

            // Row-level security: a seller sees its own seller row and application, an applicant (a buyer token) its
            // applications; the role the service works as is created last, so its grants cover every table above.
            migrationBuilder.Sql(TenantIsolation.EnableSql("seller_applications", buyerColumn: "user_id"));
            migrationBuilder.Sql(TenantIsolation.EnableSql("sellers"));
            migrationBuilder.Sql(TenantIsolation.CreateRoleSql(SellerContext.TenantRole));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "inbox");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "seller_applications");

            migrationBuilder.DropTable(
                name: "sellers");
        }
    }
}
