using Microsoft.AspNetCore.Authentication.Cookies;

namespace AspireShop.Identity.API.Apis;

/// <summary>
/// Every path lives under <c>/auth</c> so the gateway forwards <c>/auth/**</c> unchanged. OpenIddict's URIs are relative
/// to the request's base address, so the discovery document names the host the caller used.
/// </summary>
public static class IdentityPaths
{
    public const string Token = "auth/connect/token";
    public const string Authorize = "auth/connect/authorize";
    public const string UserInfo = "auth/connect/userinfo";
    public const string Discovery = "auth/.well-known/openid-configuration";
    public const string Jwks = "auth/.well-known/jwks";

    public const string Login = "/auth/account/login";
    public const string Register = "/auth/register";
    public const string Users = "/auth/users";

    /// <summary>The browser session of the login form, read only by the authorize endpoint.</summary>
    public const string LoginCookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
}
