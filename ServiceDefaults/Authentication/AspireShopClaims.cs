using System.Security.Claims;

namespace AspireShop.ServiceDefaults.Authentication;

/// <summary>The claims the Identity service issues and every service reads; JWT names, no inbound mapping.</summary>
public static class AspireShopClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Email = "email";
    public const string Role = "role";
    public const string SellerId = "seller_id";
    public const string ClientId = "client_id";

    public const string BuyerRole = "buyer";
    public const string SellerRole = "seller";
    public const string AdminRole = "admin";

    /// <summary>Carried by client-credentials tokens of AspireShop's own services.</summary>
    public const string ServiceRole = "service";

    public static Guid? GetUserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(Subject), out var id) ? id : null;

    public static Guid? GetSellerId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SellerId), out var sellerId) ? sellerId : null;

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(AdminRole);

    public static bool IsService(this ClaimsPrincipal user) => user.IsInRole(ServiceRole);

    /// <summary>True when the caller acts for exactly this seller (role seller and a matching seller_id claim).</summary>
    public static bool IsSeller(this ClaimsPrincipal user, Guid sellerId) => user.IsInRole(SellerRole) && user.GetSellerId() == sellerId;

    /// <summary>The seller itself or an admin: the ownership rule for everything a seller owns.</summary>
    public static bool CanActForSeller(this ClaimsPrincipal user, Guid sellerId) => user.IsAdmin() || user.IsSeller(sellerId);
}

public static class AspireShopPolicies
{
    public const string Buyer = "buyer";

    /// <summary>Role seller and a seller_id claim: the caller acts for that seller.</summary>
    public const string Seller = "seller";

    public const string Admin = "admin";
    public const string Service = "service";

    /// <summary>Role admin or service: support reads and the platform's own calls, never a buyer or seller.</summary>
    public const string AdminOrService = "admin-or-service";
}
