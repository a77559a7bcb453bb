using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Ordering.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrderShipments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "shipments",
                table: "orders",
                type: "jsonb",
                nullable: true,
                defaultValueSql: "'[]'::jsonb");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "shipments",
                table: "orders");
        }
    }
}
