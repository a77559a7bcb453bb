using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Inventory.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class TrackOfferedStock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "offer_lsn",
                table: "stock",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "offered",
                table: "stock",
                type: "boolean",
                nullable: false,
                defaultValue: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "offer_lsn",
                table: "stock");

            migrationBuilder.DropColumn(
                name: "offered",
                table: "stock");
        }
    }
}
