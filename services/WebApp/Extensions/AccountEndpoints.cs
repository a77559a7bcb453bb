using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AspireShop.WebApp.Extensions;

/// <summary>Sign-in and sign-out are plain endpoints: they only hand the browser to Identity or clear the session.</summary>
public static partial class AccountEndpoints
{
    /// <summary>The error page's text for "Identity cannot be reached" (see Error.razor).</summary>
    public const string SignInUnavailablePath = "/error/503";

    /// <summary>Where a sign-in that came back failed or cancelled lands (see Error.razor).</summary>
    public const string SignInFailedPath = "/error/401";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(AuthenticationSetup.LoginPath, LoginAsync).AllowAnonymous();
        // A [FromForm] parameter makes UseAntiforgery check the token: no other site can sign a shopper out.
        app.MapPost(AuthenticationSetup.LogoutPath, LogoutAsync).AllowAnonymous();
        return app;
    }

    public static async Task<IResult> LoginAsync(
        HttpContext http, IOptionsMonitor<OpenIdConnectOptions> oidc, ILogger<OpenIdConnectOptions> logger,
        [FromQuery(Name = AuthenticationSetup.ReturnUrlParameter)] string? returnUrl)
    {
        var target = AuthenticationSetup.SafeReturnUrl(returnUrl);

        // The challenge needs Identity's discovery document; without it the shopper gets a page that says so, not a 500.
        if (!await IsReachableAsync(oidc.Get(OpenIdConnectDefaults.AuthenticationScheme), logger, http.RequestAborted))
        {
            return TypedResults.LocalRedirect(SignInUnavailablePath);
        }

        // Signed in already means this session's tokens were refused (or the user wants a fresh sign-in, as an approved
        // seller does): bouncing back would loop, so the session ends and Identity is asked again.
        if (http.User.Identity?.IsAuthenticated == true)
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }

        return TypedResults.Challenge(new AuthenticationProperties { RedirectUri = target }, [OpenIdConnectDefaults.AuthenticationScheme]);
    }

    public static async Task<IResult> LogoutAsync(
        HttpContext http, IOptionsMonitor<OpenIdConnectOptions> oidc, ILogger<OpenIdConnectOptions> logger, [FromForm(Name = AuthenticationSetup.ReturnUrlParameter)] string? returnUrl)
    {
        var target = AuthenticationSetup.SafeReturnUrl(returnUrl);
        // The OpenID Connect sign-out needs Identity to offer end-session; without it only our session ends.
        string[] schemes = await HasEndSessionAsync(oidc.Get(OpenIdConnectDefaults.AuthenticationScheme), logger, http.RequestAborted)
            ? [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]
            : [CookieAuthenticationDefaults.AuthenticationScheme];
        return TypedResults.SignOut(new AuthenticationProperties { RedirectUri = target }, schemes);
    }

    /// <summary>False also while Identity cannot be reached: signing out of this site must work regardless.</summary>
    public static async Task<bool> HasEndSessionAsync(OpenIdConnectOptions options, ILogger logger, CancellationToken cancellationToken) =>
        await ConfigurationAsync(options, logger, cancellationToken) is { EndSessionEndpoint.Length: > 0 };

    private static async Task<bool> IsReachableAsync(OpenIdConnectOptions options, ILogger logger, CancellationToken cancellationToken) =>
        await ConfigurationAsync(options, logger, cancellationToken) is not null;

    private static async Task<OpenIdConnectConfiguration?> ConfigurationAsync(OpenIdConnectOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException)
        {
            LogIdentityUnreachable(logger, options.Authority, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity's discovery document at {Authority} cannot be read; sign-in is unavailable")]
    private static partial void LogIdentityUnreachable(ILogger logger, string? authority, Exception exception);
}
