using System.Security.Claims;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.API.Extensions;
using AspireShop.Inventory.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireShop.Inventory.API.Apis;

/// <summary>Flash sales: opened and closed by the owning seller or an admin; their counters are public.</summary>
public static class FlashSalesApi
{
    public static IEndpointRouteBuilder MapFlashSalesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/inventory/flash-sales").WithTags("Inventory");
        api.MapPost("/", OpenAsync).WithName("OpenFlashSale").RequireAuthorization();
        api.MapGet("/{id:guid}", GetAsync).WithName("GetFlashSale").AllowAnonymous();
        api.MapPost("/{id:guid}/close", CloseAsync).WithName("CloseFlashSale").RequireAuthorization();
        return app;
    }

    public static async Task<Results<Created<FlashSaleResponse>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> OpenAsync(
        OpenFlashSaleRequest request,
        ClaimsPrincipal user,
        FlashSales sales,
        FlashSaleCounter counter,
        IOptions<InventoryOptions> options,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var settings = options.Value.FlashSales;
        var now = clock.GetUtcNow();
        var validation = new RequestValidation();
        var skuId = validation.Id("skuId", request.SkuId);
        var sellerId = validation.Id("sellerId", request.SellerId);
        var quantity = validation.Range("quantity", request.Quantity, 1, settings.MaxQuantity);
        var startsAt = request.StartsAt ?? now;
        if (request.EndsAt is not { } endsAt)
        {
            validation.Add("endsAt", "is required.");
            endsAt = now;
        }
        else if (endsAt <= now || endsAt <= startsAt)
        {
            validation.Add("endsAt", "must be in the future and after startsAt.");
        }
        else if (endsAt - startsAt > settings.MaxDuration)
        {
            validation.Add("endsAt", $"must be at most {settings.MaxDuration} after startsAt.");
        }

        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        if (!user.CanActForSeller(sellerId))
        {
            return TypedResults.Forbid();
        }

        switch (await sales.OpenAsync(skuId, sellerId, quantity, startsAt, endsAt, TenantIsolation.For(user), cancellationToken))
        {
            case OpenSaleOutcome.Opened opened:
                var body = await DescribeAsync(opened.Sale, sales, counter, null, cancellationToken);
                return TypedResults.Created($"/api/inventory/flash-sales/{body.Id}", body);
            case OpenSaleOutcome.OutOfStock outOfStock:
                return Problems.OutOfStock(outOfStock.Available);
            case OpenSaleOutcome.AlreadyOpen:
                return Problems.Conflict("This offer already has an open flash sale.");
            default:
                validation.Add("skuId", "has no stock for this seller.");
                return validation.ToProblem();
        }
    }

    public static async Task<Results<Ok<FlashSaleResponse>, NotFound>> GetAsync(
        Guid id, FlashSales sales, FlashSaleCounter counter, CancellationToken cancellationToken) =>
        await sales.FindAsync(id, cancellationToken) is { } sale
            ? TypedResults.Ok(await DescribeAsync(sale, sales, counter, null, cancellationToken))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<FlashSaleResponse>, NotFound, ForbidHttpResult, ProblemHttpResult>> CloseAsync(
        Guid id, ClaimsPrincipal user, FlashSales sales, FlashSaleCounter counter, CancellationToken cancellationToken)
    {
        if (await sales.FindAsync(id, cancellationToken) is not { } sale)
        {
            return TypedResults.NotFound();
        }

        if (!user.CanActForSeller(sale.SellerId))
        {
            return TypedResults.Forbid();
        }

        try
        {
            var report = (await sales.CloseAsync(id, TenantIsolation.For(user), cancellationToken))!;
            return TypedResults.Ok(await DescribeAsync(report.Sale, sales, counter, report.Reconciled, cancellationToken));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Closing behind a counter that may still be live could sell units twice: refuse until Redis answers.
            return TypedResults.Problem(title: "The flash-sale counter is unreachable; try again.", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<FlashSaleResponse> DescribeAsync(
        FlashSaleRecord sale, FlashSales sales, FlashSaleCounter counter, bool? reconciled, CancellationToken cancellationToken)
    {
        FlashCounterState? redisState = null;
        try
        {
            redisState = await counter.ReadAsync(sale.Id);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Counters are informational here; Postgres' side is still shown.
        }

        var (rows, held) = await sales.CountAsync(sale.Id, cancellationToken);
        return new FlashSaleResponse(
            sale.Id,
            sale.SkuId,
            sale.SellerId,
            sale.Quantity,
            sale.StartsAt,
            sale.EndsAt,
            sale.Status,
            redisState?.Remaining,
            redisState?.Confirmed,
            rows,
            held,
            sale.Confirmed,
            sale.Returned,
            sale.RedisRemainingAtClose,
            reconciled ?? (sale.Status == Data.Schema.FlashSaleStatus.Closed ? sale.Returned == sale.RedisRemainingAtClose : null));
    }
}
