using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Ordering.API.Apis;

/// <summary>Orders the saga timer parked as needs-attention, for admins to look at and retry (also a dashboard command).</summary>
public static class AdminApi
{
    public const string RetryParkedPath = "/admin/orders/needs-attention/retry";

    /// <summary>One call lists or retries at most this many, oldest first: a bounded transaction even after an outage.</summary>
    private const int Batch = 500;

    public static IEndpointRouteBuilder MapOrderingAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/orders").WithTags("Admin").RequireAuthorization(AspireShopPolicies.Admin);
        admin.MapGet("/needs-attention", GetParkedAsync).WithName("GetParkedOrders");
        admin.MapPost("/needs-attention/retry", RetryParkedAsync).WithName("RetryParkedOrders");
        return app;
    }

    public static async Task<Ok<List<ParkedOrder>>> GetParkedAsync(OrderingContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.Orders.AsNoTracking()
            .Where(o => o.NeedsAttentionAt != null)
            .OrderBy(o => o.NeedsAttentionAt)
            .Take(Batch)
            .Select(o => new ParkedOrder(o.Id, o.BuyerId, o.Status, o.Step.ToString(), o.StepAttempts, o.NeedsAttentionAt!.Value))
            .ToListAsync(cancellationToken));

    /// <summary>
    /// Parked orders fall due now with a fresh count of re-sends; the timer sends their step's command again. Rows a
    /// reply is moving right now are skipped (SKIP LOCKED): that reply un-parks them anyway.
    /// </summary>
    public static async Task<Ok<RetriedOrders>> RetryParkedAsync(OrderingContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ids = await db.Database.SqlQuery<Guid>($"""
            SELECT id AS "Value" FROM orders WHERE needs_attention_at IS NOT NULL
            ORDER BY needs_attention_at LIMIT {Batch} FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
        var orders = await db.Orders.Where(o => ids.Contains(o.Id)).ToListAsync(cancellationToken);
        foreach (var order in orders)
        {
            OrderSaga.Retry(order, now);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new RetriedOrders(orders.Count));
    }
}

public sealed record ParkedOrder(Guid Id, Guid BuyerId, string Status, string Step, int ReSends, DateTimeOffset Since);

public sealed record RetriedOrders(int Retried);
