using System.Globalization;

namespace AspireShop.WebApp.Components.Shop;

/// <summary>How the buyer's pages print sellers, dates and order ids, the same everywhere (amounts: <see cref="Money"/>).</summary>
public static class ShopFormat
{
    /// <summary>Sellers are known to buyers by a short id: no API gives a buyer another seller's profile.</summary>
    public static string Seller(Guid sellerId) => $"Seller {sellerId.ToString("N", CultureInfo.InvariantCulture)[..8]}";

    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The first block of an order id, enough to tell orders apart in a list.</summary>
    public static string ShortId(Guid id) => id.ToString("N", CultureInfo.InvariantCulture)[..8].ToUpperInvariant();
}
