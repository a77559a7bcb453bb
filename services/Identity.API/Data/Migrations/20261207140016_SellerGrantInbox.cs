using AspireShop.BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Identity.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class SellerGrantInbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Identity's first consumer (Seller's approvals) records what it handled here; written with SQL, not modelled.
            migrationBuilder.Sql(OutboxSchema.CreateInboxTable);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"DROP TABLE IF EXISTS {OutboxSchema.InboxTable};");
        }
    }
}
