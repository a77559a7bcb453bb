using System.Globalization;

namespace AspireShop.Seller.API.Domain.Ledger;

/// <summary>
/// The ledger's accounts: what the platform owes each seller (<c>seller:&lt;id&gt;</c>), the platform's commission, and
/// the clearing account buyers' money passes through. Only seller accounts carry a seller id (row-level security).
/// </summary>
public static class LedgerAccounts
{
    public const string SellerPrefix = "seller:";

    /// <summary>Buyers' captured money: credited (negative) at capture, debited back when refunded.</summary>
    public const string Clearing = "platform:clearing";

    /// <summary>The platform's share of each sale, returned with the sale when it is refunded.</summary>
    public const string Commission = "platform:commission";

    public const int MaxLength = 64;

    public static string Seller(Guid sellerId) => SellerPrefix + sellerId.ToString("D", CultureInfo.InvariantCulture);
}

/// <summary>
/// Ledger amounts are integer minor units of a two-decimal currency (1999 = 19.99), as Payment hands them to the
/// provider: sums and zero checks are exact, and a fraction of a cent cannot enter the books.
/// </summary>
public static class LedgerMoney
{
    /// <summary>Null when <paramref name="amount"/> is not a whole number of cents (or out of range).</summary>
    public static long? ToMinorUnits(decimal amount)
    {
        var minor = amount * 100m;
        return minor == decimal.Truncate(minor) && minor >= long.MinValue && minor <= long.MaxValue ? (long)minor : null;
    }

    public static decimal ToMajorUnits(long minor) => minor / 100m;

    public static bool IsCurrency(string? currency) => currency is { Length: 3 } && currency.All(char.IsAsciiLetterUpper);
}
