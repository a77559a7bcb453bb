using System.Security.Claims;
using AspireShop.Catalog.API.Domain;

namespace AspireShop.Catalog.API.Identity;

/// <summary>
/// The claims endpoints rely on, whatever scheme issued them (the development header now, JWT bearer tokens later).
/// </summary>
public static class CatalogClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string SellerId = "seller_id";

    public const string SellerRole = "seller";
    public const string AdminRole = "admin";

    public static Guid? GetSellerId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SellerId), out var sellerId) ? sellerId : null;

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(AdminRole);

    public static bool IsSeller(this ClaimsPrincipal user, Guid sellerId) => user.IsInRole(SellerRole) && user.GetSellerId() == sellerId;

    /// <summary>The owner or an admin may change a product.</summary>
    public static bool CanManage(this ClaimsPrincipal user, Product product) => user.IsAdmin() || user.IsSeller(product.SellerId);

    /// <summary>Only that seller (or an admin) may set or withdraw a seller's offers.</summary>
    public static bool CanManageOffersOf(this ClaimsPrincipal user, Guid sellerId) => user.IsAdmin() || user.IsSeller(sellerId);
}
