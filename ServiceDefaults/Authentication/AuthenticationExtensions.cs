using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireShop.ServiceDefaults.Authentication;

/// <summary>
/// Every service validates the Identity service's JWTs itself (defence in depth behind the gateway) with the same
/// policies, and anything not marked anonymous needs an authenticated caller, so a forgotten endpoint is closed.
/// </summary>
public static class AuthenticationExtensions
{
    /// <summary>Where the Identity service publishes its discovery document, e.g. <c>http://localhost:5100/auth</c>.</summary>
    public const string AuthorityKey = "Identity:Authority";
    public const string AudienceKey = "Identity:Audience";
    public const string ClockSkewKey = "Identity:ClockSkew";

    /// <summary>The one audience every AspireShop API accepts; the Identity service stamps it on every access token.</summary>
    public const string DefaultAudience = "aspireshop-api";

    /// <summary>Identity serves OpenID Connect under this path so the gateway forwards <c>/auth</c> unchanged.</summary>
    public const string IdentityPathBase = "/auth";

    public static IHostApplicationBuilder AddDefaultAuthentication(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                var authority = ResolveAuthority(configuration);
                // Without an authority no key is known and every token fails validation: closed, not open.
                if (authority is not null)
                {
                    options.Authority = authority;
                    options.RequireHttpsMetadata = authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                }

                options.Audience = configuration[AudienceKey] ?? DefaultAudience;
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = AspireShopClaims.Name;
                options.TokenValidationParameters.RoleClaimType = AspireShopClaims.Role;
                options.TokenValidationParameters.ValidateIssuer = true;
                options.TokenValidationParameters.ValidateLifetime = true;
                // The 5-minute default lets a revoked session live on; 30 s covers clock drift between containers.
                options.TokenValidationParameters.ClockSkew = configuration.GetValue(ClockSkewKey, TimeSpan.FromSeconds(30));
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AspireShopPolicies.Buyer, policy => policy.RequireRole(AspireShopClaims.BuyerRole))
            .AddPolicy(AspireShopPolicies.Seller, policy => policy.RequireRole(AspireShopClaims.SellerRole).RequireClaim(AspireShopClaims.SellerId))
            .AddPolicy(AspireShopPolicies.Admin, policy => policy.RequireRole(AspireShopClaims.AdminRole))
            .AddPolicy(AspireShopPolicies.Service, policy => policy.RequireRole(AspireShopClaims.ServiceRole))
            .AddPolicy(AspireShopPolicies.AdminOrService, policy => policy.RequireRole(AspireShopClaims.AdminRole, AspireShopClaims.ServiceRole))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary><c>Identity:Authority</c>, else the service-discovery address of the <c>identity</c> resource.</summary>
    public static string? ResolveAuthority(IConfiguration configuration)
    {
        if (configuration[AuthorityKey] is { Length: > 0 } authority)
        {
            return authority.TrimEnd('/');
        }

        var discovered = configuration["services:identity:http:0"] ?? configuration["services:identity:https:0"];
        return discovered is { Length: > 0 } ? discovered.TrimEnd('/') + IdentityPathBase : null;
    }
}
