using System.Security.Claims;
using AspireShop.Inventory.API.Extensions;
using AspireShop.Inventory.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireShop.Inventory.API.Apis;

/// <summary>
/// Holds with a TTL. A buyer holds for itself (holder = its sub) and sees only its own holds (404 for others'); the Cart
/// service (role service) and admins act for any holder and must name it. Confirming a hold is a sale, so only a
/// service may (a buyer confirming its own hold would take stock without paying); orders confirm theirs through the
/// OrderSaga's commands.
/// </summary>
public static class ReservationsApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapReservationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/inventory/reservations").WithTags("Inventory").RequireAuthorization();
        api.MapPost("/", ReserveAsync).WithName("Reserve");
        api.MapGet("/", FindByKeyAsync).WithName("FindReservationByKey");
        api.MapDelete("/", ReleaseByKeyAsync).WithName("ReleaseReservationByKey");
        api.MapGet("/{id:guid}", GetAsync).WithName("GetReservation");
        api.MapPut("/{id:guid}", ResizeAsync).WithName("ResizeReservation");
        api.MapDelete("/{id:guid}", ReleaseAsync).WithName("ReleaseReservation");
        api.MapPost("/{id:guid}/confirm", ConfirmAsync).WithName("ConfirmReservation").RequireAuthorization(AspireShopPolicies.Service);
        return app;
    }

    public static async Task<Results<Created<ReservationResponse>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> ReserveAsync(
        ReserveRequest request,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        ClaimsPrincipal user,
        Reservations reservations,
        IOptions<InventoryOptions> options,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var settings = options.Value.Reservations;
        var validation = new RequestValidation();
        var skuId = validation.Id("skuId", request.SkuId);
        var sellerId = validation.Id("sellerId", request.SellerId);
        var quantity = validation.Range("quantity", request.Quantity, 1, settings.MaxQuantity);
        var ttl = validation.Ttl("ttlSeconds", request.TtlSeconds, settings.DefaultTtl, settings.MinTtl, settings.MaxTtl);
        var key = validation.Text(IdempotencyKeyHeader, idempotencyKey, RequestValidation.MaxIdempotencyKeyLength);

        Guid holderId;
        if (user.IsService() || user.IsAdmin())
        {
            holderId = validation.Id("holderId", request.HolderId);
        }
        else if (user.GetUserId() is { } self && (request.HolderId is null || request.HolderId == self))
        {
            holderId = self;
        }
        else
        {
            // Holding for somebody else is the Cart service's job, not a buyer's.
            return TypedResults.Forbid();
        }

        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        ReserveOutcome outcome;
        try
        {
            outcome = await reservations.ReserveAsync(skuId, sellerId, quantity, ttl, holderId, key, cancellationToken);
        }
        catch (RedisTimeoutException ex)
        {
            // The flash counter may or may not have granted it; a retry with the same Idempotency-Key finds out.
            return TypedResults.Problem(title: "The flash-sale counter did not answer in time; retry.", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        switch (outcome)
        {
            case ReserveOutcome.Created created:
                var body = ReservationResponse.From(created.Reservation, clock.GetUtcNow());
                return TypedResults.Created($"/api/inventory/reservations/{body.Id}", body);
            case ReserveOutcome.OutOfStock outOfStock:
                return Problems.OutOfStock(outOfStock.Available);
            default:
                validation.Add("skuId", "has no stock for this seller.");
                return validation.ToProblem();
        }
    }

    /// <summary>
    /// What a reserve with this Idempotency-Key did (<c>?skuId&amp;sellerId&amp;idempotencyKey[&amp;holderId]</c>): a caller
    /// whose reply was lost asks here instead of guessing. 404: it holds nothing (yet; release by key to be sure).
    /// </summary>
    public static async Task<Results<Ok<ReservationResponse>, NotFound, ValidationProblem, ForbidHttpResult>> FindByKeyAsync(
        [AsParameters] ReservationKeyQuery query, ClaimsPrincipal user, Reservations reservations, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (validation, key) = query.Validate(user);
        if (key is null)
        {
            return validation is null ? TypedResults.Forbid() : validation.ToProblem();
        }

        return await reservations.FindByKeyAsync(key.SkuId, key.SellerId, key.HolderId, key.IdempotencyKey, cancellationToken) is { } found
            ? TypedResults.Ok(ReservationResponse.From(found, clock.GetUtcNow()))
            : TypedResults.NotFound();
    }

    /// <summary>
    /// Undoes a reserve whose outcome the caller does not know: releases the hold it made, or makes sure a request
    /// still in flight with that key will hold nothing. Idempotent, 204.
    /// </summary>
    public static async Task<Results<NoContent, ValidationProblem, ForbidHttpResult>> ReleaseByKeyAsync(
        [AsParameters] ReservationKeyQuery query, ClaimsPrincipal user, Reservations reservations, CancellationToken cancellationToken)
    {
        var (validation, key) = query.Validate(user);
        if (key is null)
        {
            return validation is null ? TypedResults.Forbid() : validation.ToProblem();
        }

        await reservations.ReleaseByKeyAsync(key.SkuId, key.SellerId, key.HolderId, key.IdempotencyKey, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<ReservationResponse>, NotFound>> GetAsync(
        Guid id, ClaimsPrincipal user, Reservations reservations, TimeProvider clock, CancellationToken cancellationToken) =>
        await FindVisibleAsync(id, user, reservations, cancellationToken) is { } reservation
            ? TypedResults.Ok(ReservationResponse.From(reservation, clock.GetUtcNow()))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult, NotFound>> ResizeAsync(
        Guid id,
        ResizeReservationRequest request,
        ClaimsPrincipal user,
        Reservations reservations,
        IOptions<InventoryOptions> options,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var settings = options.Value.Reservations;
        var validation = new RequestValidation();
        var quantity = validation.Range("quantity", request.Quantity, 1, settings.MaxQuantity);
        var ttl = validation.Ttl("ttlSeconds", request.TtlSeconds, settings.DefaultTtl, settings.MinTtl, settings.MaxTtl);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        if (await FindVisibleAsync(id, user, reservations, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        return await reservations.ResizeAsync(id, quantity, request.TtlSeconds is null ? null : ttl, cancellationToken) switch
        {
            ResizeOutcome.Resized resized => TypedResults.Ok(ReservationResponse.From(resized.Reservation, clock.GetUtcNow())),
            ResizeOutcome.OutOfStock outOfStock => Problems.OutOfStock(outOfStock.Available),
            ResizeOutcome.NotActive notActive => Problems.Conflict("The reservation cannot be resized.", notActive.Reason),
            _ => throw new InvalidOperationException("Unknown resize outcome."),
        };
    }

    /// <summary>
    /// Idempotent: releasing a released, expired or confirmed hold, or one an order has taken over, answers 204 and
    /// changes nothing.
    /// </summary>
    public static async Task<Results<NoContent, NotFound>> ReleaseAsync(
        Guid id, ClaimsPrincipal user, Reservations reservations, CancellationToken cancellationToken)
    {
        if (await FindVisibleAsync(id, user, reservations, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        await reservations.ReleaseAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<ReservationResponse>, ProblemHttpResult, NotFound>> ConfirmAsync(
        Guid id, ClaimsPrincipal user, Reservations reservations, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await FindVisibleAsync(id, user, reservations, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var outcome = await reservations.ConfirmAsync(id, cancellationToken);
        var current = await reservations.FindAsync(id, cancellationToken);
        return outcome switch
        {
            ConfirmOutcome.Confirmed when current is not null => TypedResults.Ok(ReservationResponse.From(current, clock.GetUtcNow())),
            ConfirmOutcome.NotFound => TypedResults.NotFound(),
            _ => Problems.Conflict("The reservation is no longer active.", $"It is {current?.EffectiveStatus(clock.GetUtcNow()) ?? "gone"}."),
        };
    }

    private static async Task<ReservationRecord?> FindVisibleAsync(Guid id, ClaimsPrincipal user, Reservations reservations, CancellationToken cancellationToken)
    {
        var reservation = await reservations.FindAsync(id, cancellationToken);
        // Someone else's hold is reported as missing, so ids cannot be probed.
        return reservation is not null && (user.IsService() || user.IsAdmin() || user.GetUserId() == reservation.HolderId) ? reservation : null;
    }
}

/// <summary>Names the reserve a caller asks about: the offer, the holder and the Idempotency-Key it sent.</summary>
public sealed record ReservationKeyQuery(Guid? SkuId, Guid? SellerId, string? IdempotencyKey, Guid? HolderId)
{
    public sealed record Key(Guid SkuId, Guid SellerId, Guid HolderId, string IdempotencyKey);

    /// <summary>The key, or why not: field errors, or (both null) a buyer asking about somebody else's holds.</summary>
    public (RequestValidation? Errors, Key? Key) Validate(ClaimsPrincipal user)
    {
        var validation = new RequestValidation();
        var skuId = validation.Id("skuId", SkuId);
        var sellerId = validation.Id("sellerId", SellerId);
        var key = validation.Text("idempotencyKey", IdempotencyKey, RequestValidation.MaxIdempotencyKeyLength);
        if (key is null)
        {
            validation.Add("idempotencyKey", "is required.");
        }

        Guid holderId;
        if (user.IsService() || user.IsAdmin())
        {
            holderId = validation.Id("holderId", HolderId);
        }
        else if (user.GetUserId() is { } self && (HolderId is null || HolderId == self))
        {
            holderId = self;
        }
        else
        {
            return (null, null);
        }

        return validation.IsValid ? (validation, new Key(skuId, sellerId, holderId, key!)) : (validation, null);
    }
}
