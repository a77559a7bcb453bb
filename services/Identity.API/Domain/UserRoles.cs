using AspireShop.ServiceDefaults.Authentication;

namespace AspireShop.Identity.API.Domain;

/// <summary>The roles a user account can hold; <c>service</c> belongs to client-credentials clients only.</summary>
public static class UserRoles
{
    public const string Buyer = AspireShopClaims.BuyerRole;
    public const string Seller = AspireShopClaims.SellerRole;
    public const string Admin = AspireShopClaims.AdminRole;

    public static readonly IReadOnlyList<string> All = [Buyer, Seller, Admin];
}
