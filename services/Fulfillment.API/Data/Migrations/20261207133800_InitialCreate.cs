using System;
using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Fulfillment.API.Data.Migrations
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
                name: "shipments",
                columns: table => new
                {
                    seller_id = table.Column<Guid>(type: "uuid", nullable: false),
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    order_id = table.Column<Guid>(type: "uuid", nullable: false),
                    buyer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    carrier = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    tracking_number = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    cancel_reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    packed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    shipped_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    delivered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    cancelled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false),
                    shipping_address = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_shipments", x => new { x.seller_id, x.id });
                    table.CheckConstraint("ck_shipments_cancel_reason", "status <> 'CANCELLED' OR cancel_reason IS NOT NULL");
                    table.CheckConstraint("ck_shipments_status", "status IN ('CREATED', 'PACKED', 'SHIPPED', 'DELIVERED', 'CANCELLED')");
                    table.CheckConstraint("ck_shipments_tracked_once_shipped", "status NOT IN ('SHIPPED', 'DELIVERED') OR (carrier IS NOT NULL AND tracking_number IS NOT NULL AND shipped_at IS NOT NULL)");
                });

            migrationBuilder.CreateTable(
                name: "shipment_lines",
                columns: table => new
                {
                    seller_id = table.Column<Guid>(type: "uuid", nullable: false),
                    shipment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    line_number = table.Column<int>(type: "integer", nullable: false),
                    buyer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    sku_id = table.Column<Guid>(type: "uuid", nullable: false),
                    product_id = table.Column<Guid>(type: "uuid", nullable: false),
                    product_title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false),
                    unit_price = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_shipment_lines", x => new { x.seller_id, x.shipment_id, x.line_number });
                    table.CheckConstraint("ck_shipment_lines_price_non_negative", "unit_price >= 0");
                    table.CheckConstraint("ck_shipment_lines_quantity_positive", "quantity > 0");
                    table.ForeignKey(
                        name: "fk_shipment_lines_shipments",
                        columns: x => new { x.seller_id, x.shipment_id },
                        principalTable: "shipments",
                        principalColumns: new[] { "seller_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_shipments_seller_created",
                table: "shipments",
                columns: new[] { "seller_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_shipments_seller_status_created",
                table: "shipments",
                columns: new[] { "seller_id", "status", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_shipments_id",
                table: "shipments",
                column: "id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_shipments_order_seller",
                table: "shipments",
                columns: new[] { "order_id", "seller_id" },
                unique: true);

            // Seller-owned rows, readable by their buyer too: a query without a tenant sees nothing (the role, never a superuser).
            migrationBuilder.Sql(TenantIsolation.EnableSql("shipments", buyerColumn: "buyer_id"));
            migrationBuilder.Sql(TenantIsolation.EnableSql("shipment_lines", buyerColumn: "buyer_id"));
            migrationBuilder.Sql(TenantIsolation.CreateRoleSql(AspireShop.Fulfillment.API.Extensions.Extensions.TenantRole));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "inbox");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "shipment_lines");

            migrationBuilder.DropTable(
                name: "shipments");
        }
    }
}
