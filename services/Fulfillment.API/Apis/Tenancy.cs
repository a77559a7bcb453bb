using System.Security.Claims;
using AspireShop.BuildingBlocks.Data;
using AspireShop.ServiceDefaults.Authentication;

namespace AspireShop.Fulfillment.API.Apis;

/// <summary>
/// Which hat a caller wears on a route, set as the scope's tenant before its first query, so the service's own filter
/// and the database's row-level security read the same tenant. A user who is both seller and buyer is a seller on the
/// seller routes and a buyer on the buyer's.
/// </summary>
public static class Tenancy
{
    /// <summary>
    /// A seller acts for its own shipments, an admin for all; AspireShop's services may read them all
    /// (<paramref name="writes"/> false). Null (403) for anyone else.
    /// </summary>
    public static Tenant? AsSeller(ClaimsPrincipal user, TenantContext tenants, bool writes) =>
        Set(tenants, user.IsAdmin() || (!writes && user.IsService()) ? Tenant.Everyone
            : user.IsInRole(AspireShopClaims.SellerRole) && user.GetSellerId() is { } sellerId ? Tenant.Seller(sellerId)
            : null);

    /// <summary>A buyer reads its own orders' shipments, an admin or a service any order's; null (403) for anyone else.</summary>
    public static Tenant? AsBuyer(ClaimsPrincipal user, TenantContext tenants) =>
        Set(tenants, user.IsAdmin() || user.IsService() ? Tenant.Everyone
            : user.IsInRole(AspireShopClaims.BuyerRole) && user.GetUserId() is { } buyerId ? Tenant.Buyer(buyerId)
            : null);

    private static Tenant? Set(TenantContext tenants, Tenant? tenant)
    {
        tenants.Current = tenant ?? Tenant.None;
        return tenant;
    }
}
