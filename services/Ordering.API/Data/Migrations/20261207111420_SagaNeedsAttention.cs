using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Ordering.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class SagaNeedsAttention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "needs_attention_at",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_orders_needs_attention",
                table: "orders",
                column: "needs_attention_at",
                filter: "needs_attention_at IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_orders_needs_attention",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "needs_attention_at",
                table: "orders");
        }
    }
}
