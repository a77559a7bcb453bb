using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireShop.Payment.API.Data.Migrations
{
    /// <inheritdoc />
    public partial class PaymentReconciler : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "needs_attention_at",
                table: "refunds",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_attempt_at",
                table: "refunds",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "reconcile_attempts",
                table: "refunds",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "needs_attention_at",
                table: "payments",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_attempt_at",
                table: "payments",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "reconcile_attempts",
                table: "payments",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // What was in flight before the reconciler existed falls due when its claim's lease would have ended.
            migrationBuilder.Sql("UPDATE payments SET next_attempt_at = coalesce(claimed_at, updated_at) + interval '1 minute' WHERE status IN ('PROCESSING', 'UNKNOWN')");
            migrationBuilder.Sql("UPDATE refunds SET next_attempt_at = coalesce(claimed_at, updated_at) + interval '1 minute' WHERE status IN ('REQUESTED', 'UNKNOWN')");

            migrationBuilder.CreateIndex(
                name: "ix_refunds_reconcile_due",
                table: "refunds",
                column: "next_attempt_at",
                filter: "status IN ('REQUESTED', 'UNKNOWN') AND needs_attention_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_payments_reconcile_due",
                table: "payments",
                column: "next_attempt_at",
                filter: "status IN ('PROCESSING', 'UNKNOWN') AND needs_attention_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_refunds_reconcile_due",
                table: "refunds");

            migrationBuilder.DropIndex(
                name: "ix_payments_reconcile_due",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "needs_attention_at",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "next_attempt_at",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "reconcile_attempts",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "needs_attention_at",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "next_attempt_at",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "reconcile_attempts",
                table: "payments");
        }
    }
}
