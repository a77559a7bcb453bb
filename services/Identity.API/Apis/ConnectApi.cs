using System.Security.Claims;
using AspireShop.Identity.API.Extensions;
using AspireShop.Identity.API.Security;
using AspireShop.Identity.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AspireShop.Identity.API.Apis;

/// <summary>
/// The OpenIddict endpoints that need application code (passthrough): OpenIddict has already validated the request
/// (client, grant, PKCE, redirect URI) before these run; they decide who the token is for.
/// </summary>
public static class ConnectApi
{
    public static IEndpointRouteBuilder MapConnectApi(this IEndpointRouteBuilder app)
    {
        // Anonymous at the ASP.NET Core level: OpenIddict authenticates clients, codes and refresh tokens itself.
        app.MapPost("/" + IdentityPaths.Token, ExchangeAsync).AllowAnonymous().DisableAntiforgery().WithTags("Connect").WithName("Token");
        app.MapMethods("/" + IdentityPaths.Authorize, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync)
            .AllowAnonymous().DisableAntiforgery().WithTags("Connect").WithName("Authorize");
        app.MapMethods("/" + IdentityPaths.UserInfo, [HttpMethods.Get, HttpMethods.Post], UserInfoAsync)
            .AllowAnonymous().DisableAntiforgery().WithTags("Connect").WithName("UserInfo");
        return app;
    }

    public static async Task<IResult> ExchangeAsync(HttpContext http, UserAccounts users, CancellationToken cancellationToken)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");

        if (request.IsPasswordGrantType())
        {
            var user = await users.SignInAsync(request.Username, request.Password, cancellationToken);
            // One answer for an unknown email and a wrong password: nothing tells which one was wrong.
            return user is null
                ? Reject(Errors.InvalidGrant, "The email or password is incorrect.")
                : SignIn(TokenPrincipals.ForUser(user, request.GetScopes()));
        }

        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has checked the client secret already; the client is the subject.
            var clientId = request.ClientId!;
            var applications = http.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
            var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
            var displayName = application is null ? null : await applications.GetDisplayNameAsync(application, cancellationToken);
            var settings = http.RequestServices.GetRequiredService<IOptions<IdentityServiceOptions>>().Value;
            var roles = settings.Clients.TryGetValue(clientId, out var client) ? client.Roles : [];
            return SignIn(TokenPrincipals.ForClient(clientId, displayName, roles, request.GetScopes()));
        }

        if (request.IsRefreshTokenGrantType() || request.IsAuthorizationCodeGrantType())
        {
            // The principal stored in the code or refresh token; claims are rebuilt from the current user so a changed
            // role or a deleted account takes effect at the next refresh.
            var stored = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = Guid.TryParse(stored.Principal?.GetClaim(Claims.Subject), out var id) ? await users.FindAsync(id, cancellationToken) : null;
            return user is null
                ? Reject(Errors.InvalidGrant, "The account no longer exists.")
                : SignIn(TokenPrincipals.ForUser(user, stored.Principal!.GetScopes()));
        }

        return Reject(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    public static async Task<IResult> AuthorizeAsync(HttpContext http, UserAccounts users, CancellationToken cancellationToken)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");

        var session = await http.AuthenticateAsync(IdentityPaths.LoginCookieScheme);
        var user = session.Succeeded && Guid.TryParse(session.Principal.FindFirstValue(Claims.Subject), out var id)
            ? await users.FindAsync(id, cancellationToken)
            : null;
        if (user is null || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Reject(Errors.LoginRequired, "The user is not signed in.");
            }

            // Back here after the login form, with the same parameters (POSTed ones moved to the query string).
            var parameters = http.Request.HasFormContentType
                ? http.Request.Form.Where(p => p.Key != Parameters.Prompt).ToList()
                : http.Request.Query.Where(p => p.Key != Parameters.Prompt).ToList();
            return TypedResults.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters) },
                [IdentityPaths.LoginCookieScheme]);
        }

        return SignIn(TokenPrincipals.ForUser(user, request.GetScopes()));
    }

    public static async Task<IResult> UserInfoAsync(HttpContext http, UserAccounts users, CancellationToken cancellationToken)
    {
        // OpenIddict validated the access token; this answers from the current account, as OpenID Connect expects.
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var user = Guid.TryParse(result.Principal?.GetClaim(Claims.Subject), out var id) ? await users.FindAsync(id, cancellationToken) : null;
        if (user is null)
        {
            return TypedResults.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account no longer exists.",
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        return TypedResults.Ok(new Dictionary<string, object?>
        {
            [Claims.Subject] = user.Id.ToString(),
            [Claims.Name] = user.Name,
            [Claims.Email] = user.Email,
            [Claims.Role] = user.Roles,
            [AspireShopClaims.SellerId] = user.SellerId?.ToString(),
        });
    }

    private static SignInHttpResult SignIn(ClaimsPrincipal principal) =>
        TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

    private static ForbidHttpResult Reject(string error, string description) =>
        TypedResults.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
