using System.Globalization;

namespace AspireShop.WebApp.Components.Shop;

/// <summary>How the buyer's pages print sellers, dates and order ids, the same everywhere (amounts: <see cref="Money"/>).</summary>
public static class ShopFormat
{
    /// <summary>A seller by its short id, where a page does not look its name up (<see cref="Services.SellerDirectory"/>).</summary>
    public static string Seller(Guid sellerId) => Services.SellerDirectory.Fallback(sellerId);

    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The first block of an order id, enough to tell orders apart in a list.</summary>
    public static string ShortId(Guid id) => id.ToString("N", CultureInfo.InvariantCulture)[..8].ToUpperInvariant();
}
