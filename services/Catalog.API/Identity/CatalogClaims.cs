using System.Security.Claims;
using AspireShop.Catalog.API.Domain;
using AspireShop.ServiceDefaults.Authentication;

namespace AspireShop.Catalog.API.Identity;

/// <summary>Catalog's ownership rules on top of the platform's claims (<see cref="AspireShopClaims"/>).</summary>
public static class CatalogClaims
{
    /// <summary>The owner or an admin may change a product.</summary>
    public static bool CanManage(this ClaimsPrincipal user, Product product) => user.CanActForSeller(product.SellerId);

    /// <summary>Only that seller (or an admin) may set or withdraw a seller's offers.</summary>
    public static bool CanManageOffersOf(this ClaimsPrincipal user, Guid sellerId) => user.CanActForSeller(sellerId);
}
