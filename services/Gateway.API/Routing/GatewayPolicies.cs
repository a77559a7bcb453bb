using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace AspireShop.Gateway.Routing;

/// <summary>
/// Coarse, role-level checks at the front door. Ownership (which seller owns an offer, whose cart or reservation it
/// is) is the services' job: the gateway cannot know it.
/// </summary>
public static class GatewayPolicies
{
    /// <summary>YARP's built-in name for "no authentication required".</summary>
    public const string Anonymous = "Anonymous";

    public const string Buyer = AspireShopPolicies.Buyer;
    public const string Admin = AspireShopPolicies.Admin;

    /// <summary>Catalog and stock writes: a seller (acting for its own seller id, checked downstream) or an admin.</summary>
    public const string SellerOrAdmin = "seller-or-admin";

    /// <summary>Direct reservations: a buyer for itself or an admin; services call Inventory inside the platform.</summary>
    public const string BuyerOrAdmin = "buyer-or-admin";

    public static AuthorizationBuilder AddGatewayPolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(SellerOrAdmin, policy => policy.RequireAssertion(context =>
            context.User.IsAdmin() || (context.User.IsInRole(AspireShopClaims.SellerRole) && context.User.GetSellerId() is not null)))
        .AddPolicy(BuyerOrAdmin, policy => policy.RequireRole(AspireShopClaims.BuyerRole, AspireShopClaims.AdminRole));
}
