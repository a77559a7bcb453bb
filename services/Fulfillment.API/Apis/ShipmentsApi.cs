using System.Security.Claims;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Fulfillment.API.Domain;
using AspireShop.Fulfillment.API.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.Fulfillment.API.Apis;

/// <summary>
/// Sellers work their own shipments (list, read, pack, ship, deliver, cancel before shipping); a buyer follows the
/// shipments of its own orders; an admin sees and acts on all, AspireShop's services read all. Another seller's
/// shipment or another buyer's order is reported as missing (404), so ids cannot be probed. Moves are idempotent:
/// repeating the one that led to the current state answers 200 with it; any other move from it is 409.
/// </summary>
public static class ShipmentsApi
{
    public static IEndpointRouteBuilder MapShipmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/fulfillment").WithTags("Fulfillment").RequireAuthorization();
        api.MapGet("/shipments", ListShipmentsAsync).WithName("ListShipments");
        api.MapGet("/shipments/{id:guid}", GetShipmentAsync).WithName("GetShipment");
        api.MapPost("/shipments/{id:guid}/pack", PackAsync).WithName("PackShipment");
        api.MapPost("/shipments/{id:guid}/ship", ShipAsync).WithName("ShipShipment");
        api.MapPost("/shipments/{id:guid}/deliver", DeliverAsync).WithName("DeliverShipment");
        api.MapPost("/shipments/{id:guid}/cancel", CancelAsync).WithName("CancelShipment");
        api.MapGet("/orders/{orderId:guid}/shipments", GetOrderShipmentsAsync).WithName("GetOrderShipments");
        return app;
    }

    /// <summary>A seller's own shipments (a <paramref name="sellerId"/> of another seller is refused); an admin's of everyone, or of <paramref name="sellerId"/>.</summary>
    public static async Task<Results<Ok<ShipmentPage>, ValidationProblem, ForbidHttpResult>> ListShipmentsAsync(
        string? status, Guid? sellerId, int? page, int? pageSize, ClaimsPrincipal user, TenantContext tenants, ShipmentStore store, CancellationToken cancellationToken)
    {
        if (Tenancy.AsSeller(user, tenants, writes: false) is not { } tenant || (!tenant.SeesAll && sellerId is { } other && other != tenant.SellerId))
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var wanted = validation.Status("status", status);
        var pageNumber = validation.Range("page", page ?? 1, 1, 10_000);
        var size = validation.Range("pageSize", pageSize ?? 20, 1, 100);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var (items, total) = await store.ListAsync(tenant, sellerId, wanted, pageNumber, size, cancellationToken);
        return TypedResults.Ok(new ShipmentPage([.. items.Select(ShipmentView.From)], pageNumber, size, total));
    }

    public static async Task<Results<Ok<ShipmentView>, NotFound, ForbidHttpResult>> GetShipmentAsync(
        Guid id, ClaimsPrincipal user, TenantContext tenants, ShipmentStore store, CancellationToken cancellationToken)
    {
        if (Tenancy.AsSeller(user, tenants, writes: false) is not { } tenant)
        {
            return TypedResults.Forbid();
        }

        return await store.FindAsync(id, tenant, cancellationToken) is { } shipment ? TypedResults.Ok(ShipmentView.From(shipment)) : TypedResults.NotFound();
    }

    public static Task<Results<Ok<ShipmentView>, NotFound, ProblemHttpResult, ValidationProblem, ForbidHttpResult>> PackAsync(
        Guid id, ClaimsPrincipal user, HttpContext http, TenantContext tenants, ShipmentStore store, CancellationToken cancellationToken) =>
        MoveAsync(id, user, http, tenants, store, (shipment, now) => shipment.Pack(now), cancellationToken);

    public static Task<Results<Ok<ShipmentView>, NotFound, ProblemHttpResult, ValidationProblem, ForbidHttpResult>> ShipAsync(
        Guid id, ShipRequest request, ClaimsPrincipal user, HttpContext http, TenantContext tenants, ShipmentStore store, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var carrier = validation.Carrier("carrier", request.Carrier);
        var trackingNumber = validation.TrackingNumber("trackingNumber", request.TrackingNumber);
        return MoveAsync(id, user, http, tenants, store, (shipment, now) => shipment.Ship(carrier!, trackingNumber!, now), cancellationToken, validation);
    }

    public static Task<Results<Ok<ShipmentView>, NotFound, ProblemHttpResult, ValidationProblem, ForbidHttpResult>> DeliverAsync(
        Guid id, ClaimsPrincipal user, HttpContext http, TenantContext tenants, ShipmentStore store, CancellationToken cancellationToken) =>
        MoveAsync(id, user, http, tenants, store, (shipment, now) => shipment.Deliver(now), cancellationToken);

    /// <summary>The body is optional: without a reason the part is cancelled as <see cref="RequestValidation.DefaultCancelReason"/>.</summary>
    public static Task<Results<Ok<ShipmentView>, NotFound, ProblemHttpResult, ValidationProblem, ForbidHttpResult>> CancelAsync(
        Guid id, CancelShipmentRequest? request, ClaimsPrincipal user, HttpContext http, TenantContext tenants, ShipmentStore store, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var reason = validation.CancelReason("reason", request?.Reason);
        return MoveAsync(id, user, http, tenants, store, (shipment, now) => shipment.Cancel(reason, now), cancellationToken, validation);
    }

    /// <summary>The buyer's own order (404 for anyone else's, and until its shipments exist); an admin's view of any order.</summary>
    public static async Task<Results<Ok<OrderShipments>, NotFound, ForbidHttpResult>> GetOrderShipmentsAsync(
        Guid orderId, ClaimsPrincipal user, TenantContext tenants, ShipmentStore store, CancellationToken cancellationToken)
    {
        if (Tenancy.AsBuyer(user, tenants) is not { } tenant)
        {
            return TypedResults.Forbid();
        }

        var shipments = await store.ForOrderAsync(orderId, tenant, cancellationToken);
        return shipments.Count == 0 ? TypedResults.NotFound() : TypedResults.Ok(new OrderShipments(orderId, [.. shipments.Select(ShipmentView.From)]));
    }

    private static async Task<Results<Ok<ShipmentView>, NotFound, ProblemHttpResult, ValidationProblem, ForbidHttpResult>> MoveAsync(
        Guid id,
        ClaimsPrincipal user,
        HttpContext http,
        TenantContext tenants,
        ShipmentStore store,
        Func<Shipment, DateTimeOffset, Transition> move,
        CancellationToken cancellationToken,
        RequestValidation? validation = null)
    {
        if (Tenancy.AsSeller(user, tenants, writes: true) is not { } tenant)
        {
            return TypedResults.Forbid();
        }

        if (validation is { IsValid: false })
        {
            return validation.ToProblem();
        }

        var result = await store.MoveAsync(id, tenant, move, cancellationToken);
        if (result.Busy)
        {
            http.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The shipment is changing right now; try again in a moment.");
        }

        if (result is not { Shipment: { } shipment, Transition: { } transition })
        {
            return TypedResults.NotFound();
        }

        return transition.Outcome == TransitionOutcome.Refused
            ? TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: transition.Refusal,
                extensions: new Dictionary<string, object?> { ["shipmentStatus"] = shipment.Status })
            : TypedResults.Ok(ShipmentView.From(shipment));
    }
}
