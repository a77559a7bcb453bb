using System.Security.Claims;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace AspireShop.Inventory.API.Apis;

/// <summary>
/// Public availability reads; stock levels set and adjusted only by the owning seller or an admin, and only for an offer
/// Catalog publishes (404 otherwise: the stock row comes from Catalog's offer events, never from a PUT).
/// </summary>
public static class StockApi
{
    public static IEndpointRouteBuilder MapStockApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/inventory").WithTags("Inventory");
        api.MapGet("/availability/{skuId:guid}/{sellerId:guid}", GetAvailabilityAsync).WithName("GetAvailability").AllowAnonymous();
        api.MapGet("/stock/{skuId:guid}/{sellerId:guid}", GetStockAsync).WithName("GetStock").RequireAuthorization();
        api.MapPut("/stock/{skuId:guid}/{sellerId:guid}", SetStockAsync).WithName("SetStock").RequireAuthorization();
        api.MapPost("/stock/{skuId:guid}/{sellerId:guid}/adjustments", AdjustStockAsync).WithName("AdjustStock").RequireAuthorization();
        return app;
    }

    public static async Task<Results<Ok<AvailabilityResponse>, NotFound>> GetAvailabilityAsync(
        Guid skuId, Guid sellerId, InventoryDatabase db, CancellationToken cancellationToken) =>
        await StockStore.FindAsync(db, skuId, sellerId, cancellationToken) is { } row
            ? TypedResults.Ok(new AvailabilityResponse(row.SkuId, row.SellerId, row.Available, row.Version))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<StockResponse>, NotFound, ForbidHttpResult>> GetStockAsync(
        Guid skuId, Guid sellerId, ClaimsPrincipal user, InventoryDatabase db, CancellationToken cancellationToken)
    {
        if (!user.CanActForSeller(sellerId))
        {
            return TypedResults.Forbid();
        }

        return await StockStore.FindAsync(db, skuId, sellerId, cancellationToken) is { } row ? TypedResults.Ok(StockResponse.From(row)) : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<StockResponse>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> SetStockAsync(
        Guid skuId, Guid sellerId, SetStockRequest request, ClaimsPrincipal user, InventoryDatabase db, CancellationToken cancellationToken)
    {
        if (!user.CanActForSeller(sellerId))
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var onHand = validation.Range("onHand", request.OnHand, 0, RequestValidation.MaxStock);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        await using var connection = await db.OpenConnectionAsync(TenantIsolation.For(user), cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (row, problem) = await ChangeOrExplainAsync(
            connection, transaction, skuId, sellerId,
            () => StockStore.TrySetOnHandAsync(connection, transaction, skuId, sellerId, onHand, cancellationToken),
            current => current.Reserved <= onHand,
            cancellationToken);
        if (row is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return problem!;
        }

        await StockStore.RecordAsync(connection, transaction, row, "set", null, 0, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(StockResponse.From(row));
    }

    public static async Task<Results<Ok<StockResponse>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> AdjustStockAsync(
        Guid skuId, Guid sellerId, AdjustStockRequest request, ClaimsPrincipal user, InventoryDatabase db, CancellationToken cancellationToken)
    {
        if (!user.CanActForSeller(sellerId))
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var delta = validation.Range("delta", request.Delta, -RequestValidation.MaxStock, RequestValidation.MaxStock);
        if (request.Delta == 0)
        {
            validation.Add("delta", "must not be 0.");
        }

        var reason = validation.Text("reason", request.Reason, RequestValidation.MaxReasonLength);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        await using var connection = await db.OpenConnectionAsync(TenantIsolation.For(user), cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (row, problem) = await ChangeOrExplainAsync(
            connection, transaction, skuId, sellerId,
            () => StockStore.TryChangeAsync(connection, transaction, skuId, sellerId, delta, 0, cancellationToken, offeredOnly: true),
            current => current.OnHand + delta >= current.Reserved,
            cancellationToken);
        if (row is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return problem!;
        }

        await StockStore.RecordAsync(connection, transaction, row, "adjust", delta, 0, cancellationToken, reason: reason);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(StockResponse.From(row));
    }

    /// <summary>
    /// The guarded change, and when it changed nothing, why. The reads after it may see a row that its UPDATE did not
    /// (the offer's event created it in between): a refusal the row as read would not justify is a race, so the change
    /// is tried again instead of answering "below reserved" with nothing reserved.
    /// </summary>
    private static async Task<(StockRow? Row, ProblemHttpResult? Problem)> ChangeOrExplainAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid skuId, Guid sellerId,
        Func<Task<StockRow?>> change, Func<StockRow, bool> allowedBy, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await change() is { } row)
            {
                return (row, null);
            }

            var current = await StockStore.FindAsync(connection, transaction, skuId, sellerId, cancellationToken);
            if (current is null || !await StockStore.IsOfferedAsync(connection, transaction, skuId, sellerId, cancellationToken))
            {
                return (null, Problems.NotOffered());
            }

            if (!allowedBy(current) || attempt == 3)
            {
                return (null, Problems.BelowReserved(current.Reserved));
            }
        }
    }
}
