using System.Security.Claims;
using AspireShop.Cart.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.Cart.API.Apis;

/// <summary>The caller's own cart: every route needs the buyer policy and works on the cart of the token's subject.</summary>
public static class CartApi
{
    public static IEndpointRouteBuilder MapCartApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cart").WithTags("Cart").RequireAuthorization(AspireShopPolicies.Buyer);
        api.MapGet("/", GetCartAsync).WithName("GetCart");
        api.MapPost("/items", AddItemAsync).WithName("AddCartItem");
        api.MapPut("/items/{skuId:guid}/{sellerId:guid}", UpdateItemAsync).WithName("UpdateCartItem");
        api.MapDelete("/items/{skuId:guid}/{sellerId:guid}", RemoveItemAsync).WithName("RemoveCartItem");
        api.MapPost("/items/{skuId:guid}/{sellerId:guid}/hold", HoldItemAsync).WithName("HoldCartItem");
        return app;
    }

    public static async Task<Results<Ok<CartView>, ForbidHttpResult>> GetCartAsync(ClaimsPrincipal user, CartService cart, TimeProvider clock)
    {
        if (user.GetUserId() is not { } buyerId)
        {
            return TypedResults.Forbid();
        }

        return TypedResults.Ok(await ViewAsync(buyerId, cart, clock));
    }

    public static async Task<Results<Created<CartView>, Ok<CartView>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> AddItemAsync(
        AddItemRequest request, ClaimsPrincipal user, CartService cart, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (user.GetUserId() is not { } buyerId)
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var skuId = validation.Id("skuId", request.SkuId);
        var sellerId = validation.Id("sellerId", request.SellerId);
        var quantity = validation.Quantity("quantity", request.Quantity);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var change = await cart.AddAsync(buyerId, skuId, sellerId, quantity, cancellationToken);
        return change.Outcome switch
        {
            CartOutcome.Created => TypedResults.Created("/api/cart", await ViewAsync(buyerId, cart, clock)),
            CartOutcome.Changed => TypedResults.Ok(await ViewAsync(buyerId, cart, clock)),
            _ => Failure(change),
        };
    }

    public static async Task<Results<Ok<CartView>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> UpdateItemAsync(
        Guid skuId, Guid sellerId, UpdateItemRequest request, ClaimsPrincipal user, CartService cart, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (user.GetUserId() is not { } buyerId)
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var quantity = validation.Quantity("quantity", request.Quantity);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var change = await cart.SetQuantityAsync(buyerId, skuId, sellerId, quantity, cancellationToken);
        return change.Outcome is CartOutcome.Changed ? TypedResults.Ok(await ViewAsync(buyerId, cart, clock)) : Failure(change);
    }

    public static async Task<Results<Ok<CartView>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> RemoveItemAsync(
        Guid skuId, Guid sellerId, ClaimsPrincipal user, CartService cart, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (user.GetUserId() is not { } buyerId)
        {
            return TypedResults.Forbid();
        }

        var change = await cart.RemoveAsync(buyerId, skuId, sellerId);
        return change.Outcome is CartOutcome.Changed ? TypedResults.Ok(await ViewAsync(buyerId, cart, clock)) : Failure(change);
    }

    public static async Task<Results<Ok<CartView>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> HoldItemAsync(
        Guid skuId, Guid sellerId, ClaimsPrincipal user, CartService cart, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (user.GetUserId() is not { } buyerId)
        {
            return TypedResults.Forbid();
        }

        var change = await cart.HoldAgainAsync(buyerId, skuId, sellerId, cancellationToken);
        return change.Outcome is CartOutcome.Changed ? TypedResults.Ok(await ViewAsync(buyerId, cart, clock)) : Failure(change);
    }

    private static async Task<CartView> ViewAsync(Guid buyerId, CartService cart, TimeProvider clock) =>
        CartView.From(buyerId, await cart.GetLinesAsync(buyerId), clock.GetUtcNow());

    private static ProblemHttpResult Failure(CartChange change)
    {
        switch (change.Outcome)
        {
            case CartOutcome.UnknownOffer:
                return BadRequest("No such offer.", new()
                {
                    ["skuId"] = ["has no offer from this seller in the catalog."],
                    ["sellerId"] = ["does not offer this SKU in the catalog."],
                });
            case CartOutcome.TooMany:
                return BadRequest("The request is invalid.", new()
                {
                    ["quantity"] = [$"would make the line hold more than {Domain.CartLine.MaxQuantity}."],
                });
            case CartOutcome.OutOfStock:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Not enough stock.",
                    detail: change.Detail ?? $"Only {change.Available} left.",
                    extensions: new Dictionary<string, object?> { ["available"] = change.Available ?? 0 });
            case CartOutcome.Refused:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "This offer cannot be held.",
                    detail: change.Detail,
                    extensions: new Dictionary<string, object?> { ["available"] = 0 });
            case CartOutcome.LineNotFound:
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "The cart has no such line.");
            default:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict, title: "The line kept changing concurrently; try again.");
        }
    }

    // The same RFC 9457 validation body as TypedResults.ValidationProblem, as a ProblemHttpResult every endpoint can return.
    private static ProblemHttpResult BadRequest(string title, Dictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors) { Title = title, Status = StatusCodes.Status400BadRequest });
}
