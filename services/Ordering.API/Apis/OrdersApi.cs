using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Ordering.API.Apis;

/// <summary>
/// Checkout and the buyer's orders. Placing an order needs an Idempotency-Key and answers 202 at once; the OrderSaga
/// does the work. Someone else's order is reported as missing (404), so order ids cannot be probed.
/// </summary>
public static class OrdersApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private static readonly TimeSpan StreamPollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan StreamLifetime = TimeSpan.FromMinutes(10);

    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization();
        api.MapPost("/", PlaceOrderAsync).RequireAuthorization(AspireShopPolicies.Buyer).WithName("PlaceOrder");
        api.MapGet("/", ListOrdersAsync).WithName("ListOrders");
        api.MapGet("/{id:guid}", GetOrderAsync).WithName("GetOrder");
        api.MapGet("/{id:guid}/events", StreamOrderAsync).WithName("StreamOrderEvents");
        api.MapPost("/{id:guid}/cancel", CancelOrderAsync).RequireAuthorization(AspireShopPolicies.Buyer).WithName("CancelOrder");
        return app;
    }

    public static async Task<Results<StoredResponseResult, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> PlaceOrderAsync(
        PlaceOrderRequest request,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        [FromHeader(Name = "Authorization")] string? authorization,
        ClaimsPrincipal user,
        HttpContext http,
        OrderPlacement placement,
        CancellationToken cancellationToken)
    {
        if (user.GetUserId() is not { } buyerId || authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) != true)
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var key = validation.IdempotencyKey(IdempotencyKeyHeader, idempotencyKey);
        var address = validation.Address("shippingAddress", request.ShippingAddress);
        var paymentMethod = validation.PaymentMethod("paymentMethod", request.PaymentMethod);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        // The request as bound (prices and totals a client may send are not part of it), so "same body" means same order.
        var hash = IdempotencyStore.Hash(JsonSerializer.Serialize(request with { PaymentMethod = paymentMethod }, OrderPlacement.ResponseJson));
        var outcome = await placement.PlaceAsync(buyerId, authorization["Bearer ".Length..].Trim(), key!, hash, address!, paymentMethod!, cancellationToken);
        switch (outcome)
        {
            case PlaceOutcome.Respond respond:
                return new StoredResponseResult(respond.Response, respond.Replayed);
            case PlaceOutcome.Refused { Reason: IdempotencyOutcome.InFlight }:
                http.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "A request with this Idempotency-Key is still being processed.",
                    detail: "Retry after a second to get its response.");
            case PlaceOutcome.Refused:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "This Idempotency-Key was already used with a different request.",
                    detail: "Use a new key for a new order.");
            case PlaceOutcome.EmptyCart:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The cart is empty.");
            case PlaceOutcome.UnknownOffer unknown:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "A cart line's offer is no longer sold.",
                    detail: $"SKU {unknown.SkuId} from seller {unknown.SellerId}: remove it from the cart.");
            case PlaceOutcome.MixedCurrencies mixed:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "An order is paid in one currency.",
                    detail: $"The cart mixes {string.Join(", ", mixed.Currencies)}.");
            default:
                throw new InvalidOperationException("Unknown placement outcome.");
        }
    }

    public static async Task<Results<Ok<OrderPage>, ValidationProblem, ForbidHttpResult>> ListOrdersAsync(
        int? page, int? pageSize, ClaimsPrincipal user, OrderingContext db, CancellationToken cancellationToken)
    {
        if (user.GetUserId() is not { } buyerId)
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var pageNumber = validation.Range("page", page ?? 1, 1, 10_000);
        var size = validation.Range("pageSize", pageSize ?? 20, 1, 100);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var mine = db.Orders.AsNoTracking().Where(o => o.BuyerId == buyerId);
        var total = await mine.CountAsync(cancellationToken);
        var orders = await mine.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id)
            .Skip((pageNumber - 1) * size).Take(size).Include(o => o.Timeline).AsSplitQuery().ToListAsync(cancellationToken);
        return TypedResults.Ok(new OrderPage([.. orders.Select(OrderView.From)], pageNumber, size, total));
    }

    public static async Task<Results<Ok<OrderView>, NotFound>> GetOrderAsync(
        Guid id, ClaimsPrincipal user, OrderingContext db, CancellationToken cancellationToken) =>
        await FindVisibleAsync(id, user, db, tracking: false, cancellationToken) is { } order
            ? TypedResults.Ok(OrderView.From(order))
            : TypedResults.NotFound();

    /// <summary>Server-Sent Events: the current status at once, then each change, until the order is at rest.</summary>
    public static async Task<Results<ServerSentEventsResult<OrderStatusChanged>, NotFound>> StreamOrderAsync(
        Guid id, ClaimsPrincipal user, OrderingContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await FindVisibleAsync(id, user, db, tracking: false, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.ServerSentEvents(ChangesAsync(id, db, clock, cancellationToken));
    }

    public static async Task<Results<Accepted<OrderView>, ProblemHttpResult, NotFound>> CancelOrderAsync(
        Guid id, ClaimsPrincipal user, HttpContext http, OrderingContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        // A concurrent saga move wins the row; read again and decide again.
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            if (await FindVisibleAsync(id, user, db, tracking: true, cancellationToken) is not { } order || order.BuyerId != user.GetUserId())
            {
                return TypedResults.NotFound();
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            switch (OrderSaga.Cancel(order, clock.GetUtcNow(), out var messages))
            {
                case CancelOutcome.AlreadyFailed:
                    return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The order has already failed; there is nothing to cancel.");
                case CancelOutcome.AlreadyShipped:
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status409Conflict,
                        title: "The order has already shipped; it can no longer be cancelled.",
                        detail: $"Shipped by seller(s) {string.Join(", ", order.Shipments.Where(s => s.Status is PartStatus.Shipped or PartStatus.Delivered).Select(s => s.SellerId))}.");
                case CancelOutcome.NothingLeft:
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status409Conflict,
                        title: "Every part of the order was cancelled by its seller; there is nothing left to cancel.",
                        detail: "Each part was refunded and restocked.");
            }

            foreach (var message in messages)
            {
                db.AddOutboxEvent(message);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return TypedResults.Accepted($"/api/orders/{id}", OrderView.From(order));
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                await transaction.RollbackAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                http.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The order is changing right now; cancel again in a moment.");
            }
        }
    }

    private static async IAsyncEnumerable<SseItem<OrderStatusChanged>> ChangesAsync(
        Guid id, OrderingContext db, TimeProvider clock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var until = clock.GetUtcNow() + StreamLifetime;
        OrderStatusChanged? last = null;
        using var timer = new PeriodicTimer(StreamPollInterval, clock);
        do
        {
            var current = await db.Orders.AsNoTracking().IgnoreAutoIncludes().Where(o => o.Id == id)
                .Select(o => new OrderStatusChanged(o.Id, o.Status, o.FailureReason, o.Step.ToString(), o.UpdatedAt))
                .SingleAsync(cancellationToken);
            if (last is null || current.Status != last.Status || current.Step != last.Step || current.FailureReason != last.FailureReason)
            {
                last = current;
                yield return new SseItem<OrderStatusChanged>(current, "status");
            }

            if (current.Step is nameof(SagaStep.Confirmed) or nameof(SagaStep.Failed))
            {
                yield break;
            }
        }
        while (clock.GetUtcNow() < until && await timer.WaitForNextTickAsync(cancellationToken));
    }

    private static async Task<Order?> FindVisibleAsync(Guid id, ClaimsPrincipal user, OrderingContext db, bool tracking, CancellationToken cancellationToken)
    {
        var withTimeline = db.Orders.Include(o => o.Timeline);
        var orders = tracking ? withTimeline : withTimeline.AsNoTracking();
        var order = await orders.SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        return order is not null && (user.IsAdmin() || user.GetUserId() == order.BuyerId) ? order : null;
    }
}

/// <summary>A stored response, written byte for byte (a replay is indistinguishable from the first answer).</summary>
public sealed class StoredResponseResult(StoredResponse response, bool replayed) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => response.StatusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = response.StatusCode;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        if (response.Location is { } location)
        {
            httpContext.Response.Headers.Location = location;
        }

        if (replayed)
        {
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        await httpContext.Response.Body.WriteAsync(response.Body, httpContext.RequestAborted);
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status202Accepted, typeof(OrderAccepted), ["application/json"]));
}
