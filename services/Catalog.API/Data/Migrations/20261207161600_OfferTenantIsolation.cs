using AspireShop.BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Catalog.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class OfferTenantIsolation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Row-level security: everyone reads offers, a seller writes only its own; the role the service works as is
            // created last, so its grants cover every table.
            migrationBuilder.Sql(OfferTenancy.EnableSql);
            migrationBuilder.Sql(TenantIsolation.CreateRoleSql(CatalogContext.TenantRole));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(OfferTenancy.DisableSql);
        }
    }
}
