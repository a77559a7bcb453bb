using Microsoft.AspNetCore.Authorization;

namespace AspireShop.Catalog.API.Identity;

public static class CatalogPolicies
{
    /// <summary>Role seller and a seller_id claim: the caller acts for that seller.</summary>
    public const string Seller = "seller";

    public const string Admin = "admin";
}

public static class IdentityExtensions
{
    public const string AllowDevelopmentIdentityKey = "Catalog:AllowDevelopmentIdentity";

    /// <summary>
    /// Authentication (the development header scheme until the Identity service lands; then JWT bearer replaces it here,
    /// not in the endpoints) and the policies. Anything not marked anonymous needs an authenticated caller.
    /// </summary>
    public static IHostApplicationBuilder AddCatalogIdentity(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddAuthentication(DevHeaderAuthenticationHandler.SchemeName)
            .AddScheme<DevHeaderAuthenticationOptions, DevHeaderAuthenticationHandler>(
                DevHeaderAuthenticationHandler.SchemeName,
                options => options.Enabled = configuration.GetValue<bool>(AllowDevelopmentIdentityKey));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(CatalogPolicies.Seller, policy => policy.RequireRole(CatalogClaims.SellerRole).RequireClaim(CatalogClaims.SellerId))
            .AddPolicy(CatalogPolicies.Admin, policy => policy.RequireRole(CatalogClaims.AdminRole))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }
}
