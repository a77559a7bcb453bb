using System.Security.Claims;
using AspireShop.Identity.API.Domain;
using AspireShop.Identity.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AspireShop.Identity.API.Apis;

/// <summary>Accounts: buyers register themselves; admins create sellers (and other admins).</summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        // JSON APIs called with bearer tokens (or nothing): no cookie, so no cross-site request to forge.
        app.MapPost(IdentityPaths.Register, RegisterAsync).AllowAnonymous().DisableAntiforgery().WithTags("Users").WithName("Register");
        app.MapPost(IdentityPaths.Users, CreateUserAsync).RequireAuthorization(AspireShopPolicies.Admin).DisableAntiforgery().WithTags("Users").WithName("CreateUser");
        app.MapGet(IdentityPaths.Users + "/{id:guid}", GetUserAsync).WithTags("Users").WithName("GetUser");
        return app;
    }

    public static async Task<Results<Created<UserResponse>, ValidationProblem, Conflict<ProblemDetails>>> RegisterAsync(
        RegisterRequest request, UserAccounts users, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var email = validation.Email("email", request.Email);
        var password = validation.Password("password", request.Password);
        var name = validation.Name("name", request.Name);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        return await CreateAsync(users, email, password, name, UserRoles.Buyer, null, cancellationToken);
    }

    public static async Task<Results<Created<UserResponse>, ValidationProblem, Conflict<ProblemDetails>>> CreateUserAsync(
        CreateUserRequest request, UserAccounts users, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var email = validation.Email("email", request.Email);
        var password = validation.Password("password", request.Password);
        var name = validation.Name("name", request.Name);
        var role = validation.Role("role", request.Role);
        var sellerId = validation.SellerId("sellerId", role, request.SellerId);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        return await CreateAsync(users, email, password, name, role, sellerId, cancellationToken);
    }

    /// <summary>An admin reads anyone; everyone else only themselves (404, not 403, so ids cannot be probed).</summary>
    public static async Task<Results<Ok<UserResponse>, NotFound>> GetUserAsync(
        Guid id, ClaimsPrincipal caller, UserAccounts users, CancellationToken cancellationToken)
    {
        if (!caller.IsAdmin() && caller.GetUserId() != id)
        {
            return TypedResults.NotFound();
        }

        return await users.FindAsync(id, cancellationToken) is { } user ? TypedResults.Ok(ToResponse(user)) : TypedResults.NotFound();
    }

    private static async Task<Results<Created<UserResponse>, ValidationProblem, Conflict<ProblemDetails>>> CreateAsync(
        UserAccounts users, string email, string password, string name, string role, Guid? sellerId, CancellationToken cancellationToken)
    {
        var (outcome, user) = await users.CreateAsync(email, password, name, [role], sellerId, cancellationToken);
        if (outcome == CreateUserOutcome.DuplicateEmail)
        {
            return TypedResults.Conflict(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "An account with this email already exists.",
                Extensions = { ["field"] = "email" },
            });
        }

        return TypedResults.Created($"{IdentityPaths.Users}/{user.Id}", ToResponse(user));
    }

    private static UserResponse ToResponse(User user) => new(user.Id, user.Email, user.Name, user.Roles, user.SellerId);
}
