using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AspireShop.Catalog.API.Identity;

public sealed class DevHeaderAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>From <c>Catalog:AllowDevelopmentIdentity</c>; off by default, so without it every write is 401.</summary>
    public bool Enabled { get; set; }
}

/// <summary>
/// Development stand-in for the Identity service: trusts <c>X-Dev-User</c>, <c>X-Dev-Roles</c> and <c>X-Dev-Seller-Id</c>
/// and turns them into the same claims a token will carry. Anyone can claim anything, so it is never on by default.
/// </summary>
public sealed class DevHeaderAuthenticationHandler(IOptionsMonitor<DevHeaderAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<DevHeaderAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "DevHeader";
    public const string UserHeader = "X-Dev-User";
    public const string RolesHeader = "X-Dev-Roles";
    public const string SellerIdHeader = "X-Dev-Seller-Id";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Options.Enabled || !Request.Headers.TryGetValue(UserHeader, out var user))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!Guid.TryParse(user, out var subject))
        {
            return Task.FromResult(AuthenticateResult.Fail($"{UserHeader} must be a GUID"));
        }

        var claims = new List<Claim> { new(CatalogClaims.Subject, subject.ToString()) };
        var roles = Request.Headers[RolesHeader]
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        claims.AddRange(roles.Select(role => new Claim(CatalogClaims.Role, role.ToLowerInvariant())));

        if (Request.Headers.TryGetValue(SellerIdHeader, out var seller))
        {
            if (!Guid.TryParse(seller, out var sellerId))
            {
                return Task.FromResult(AuthenticateResult.Fail($"{SellerIdHeader} must be a GUID"));
            }

            claims.Add(new Claim(CatalogClaims.SellerId, sellerId.ToString()));
        }

        var identity = new ClaimsIdentity(claims, Scheme.Name, CatalogClaims.Subject, CatalogClaims.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
