using System.Net;
using System.Security.Claims;
using AspireShop.Identity.API.Services;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AspireShop.Identity.API.Apis;

/// <summary>
/// A minimal sign-in form for the authorization-code flow: it sets the login cookie and returns to the authorize
/// endpoint. The storefront of wave 2 may replace the page; the flow stays the same.
/// </summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(IdentityPaths.Login, ShowLogin).AllowAnonymous().WithTags("Account").WithName("LoginForm");
        // Form posts are antiforgery-checked (UseAntiforgery): another site cannot sign a browser in as someone else.
        app.MapPost(IdentityPaths.Login, LoginAsync).AllowAnonymous().WithTags("Account").WithName("Login");
        return app;
    }

    public static ContentHttpResult ShowLogin(HttpContext http, IAntiforgery antiforgery, [FromQuery(Name = "ReturnUrl")] string? returnUrl) =>
        Page(http, antiforgery, returnUrl, email: null, error: null, StatusCodes.Status200OK);

    public static async Task<IResult> LoginAsync(
        HttpContext http, IAntiforgery antiforgery, UserAccounts users, [FromForm] LoginForm form, CancellationToken cancellationToken)
    {
        var user = await users.SignInAsync(form.Email, form.Password, cancellationToken);
        if (user is null)
        {
            return Page(http, antiforgery, form.ReturnUrl, form.Email, "The email or password is incorrect.", StatusCodes.Status400BadRequest);
        }

        var identity = new ClaimsIdentity([new Claim(Claims.Subject, user.Id.ToString()), new Claim(Claims.Name, user.Name)],
            IdentityPaths.LoginCookieScheme, Claims.Name, Claims.Role);
        await http.SignInAsync(IdentityPaths.LoginCookieScheme, new ClaimsPrincipal(identity));

        return IsLocal(form.ReturnUrl)
            ? TypedResults.LocalRedirect(form.ReturnUrl!)
            : TypedResults.Content($"<!doctype html><p>Signed in as {WebUtility.HtmlEncode(user.Email)}.</p>", "text/html");
    }

    // Only paths of this site: an open redirect would hand the login to whoever crafted the link.
    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));

    private static ContentHttpResult Page(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? email, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var message = error is null ? "" : $"<p role=\"alert\">{WebUtility.HtmlEncode(error)}</p>";
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Sign in · AspireShop</title></head>
            <body>
            <h1>Sign in to AspireShop</h1>
            {message}
            <form method="post" action="{IdentityPaths.Login}">
              <input type="hidden" name="{WebUtility.HtmlEncode(tokens.FormFieldName)}" value="{WebUtility.HtmlEncode(tokens.RequestToken)}">
              <input type="hidden" name="returnUrl" value="{WebUtility.HtmlEncode(returnUrl ?? "")}">
              <label>Email <input type="email" name="email" value="{WebUtility.HtmlEncode(email ?? "")}" required autofocus></label>
              <label>Password <input type="password" name="password" required></label>
              <button type="submit">Sign in</button>
            </form>
            </body>
            </html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}

public sealed record LoginForm(string? Email, string? Password, string? ReturnUrl);
