using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Inventory.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrderStock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_reservations_status",
                table: "reservations");

            migrationBuilder.AddColumn<Guid>(
                name: "order_id",
                table: "reservations",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "order_stock",
                columns: table => new
                {
                    order_id = table.Column<Guid>(type: "uuid", nullable: false),
                    buyer_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_stock", x => x.order_id);
                    table.CheckConstraint("ck_order_stock_status", "status IN ('reserved', 'rejected', 'committed', 'released')");
                });

            migrationBuilder.CreateIndex(
                name: "ix_reservations_order_id",
                table: "reservations",
                column: "order_id",
                filter: "order_id IS NOT NULL");

            migrationBuilder.AddCheckConstraint(
                name: "ck_reservations_status",
                table: "reservations",
                sql: "status IN ('active', 'released', 'expired', 'confirmed', 'returned')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "order_stock");

            migrationBuilder.DropIndex(
                name: "ix_reservations_order_id",
                table: "reservations");

            migrationBuilder.DropCheckConstraint(
                name: "ck_reservations_status",
                table: "reservations");

            migrationBuilder.DropColumn(
                name: "order_id",
                table: "reservations");

            migrationBuilder.AddCheckConstraint(
                name: "ck_reservations_status",
                table: "reservations",
                sql: "status IN ('active', 'released', 'expired', 'confirmed')");
        }
    }
}
