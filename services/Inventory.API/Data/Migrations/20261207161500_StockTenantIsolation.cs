using AspireShop.BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Inventory.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class StockTenantIsolation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Row-level security: everyone reads stock, a seller writes only its own rows, the platform any; the role the
            // service works as is created last, so its grants cover every table.
            foreach (var table in StockTenancy.Tables)
            {
                migrationBuilder.Sql(StockTenancy.EnableSql(table));
            }

            migrationBuilder.Sql(TenantIsolation.CreateRoleSql(InventoryDatabase.TenantRole));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in StockTenancy.Tables)
            {
                migrationBuilder.Sql(StockTenancy.DisableSql(table));
            }
        }
    }
}
