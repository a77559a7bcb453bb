namespace AspireShop.Payment.API.Domain;

/// <summary>
/// Amounts cross the wire to the provider in integer minor units of a two-decimal currency (1999 = 19.99), the
/// currency in lower case; everything inside AspireShop is decimal major units.
/// </summary>
public static class Money
{
    public const int MaxLength = 3;

    /// <summary>Null when the amount is not a positive two-decimal amount (a fraction of a cent cannot be charged).</summary>
    public static long? ToMinorUnits(decimal amount)
    {
        var minor = amount * 100m;
        return amount > 0 && minor == decimal.Truncate(minor) && minor <= long.MaxValue ? (long)minor : null;
    }

    public static decimal FromMinorUnits(long minor) => minor / 100m;

    public static bool IsCurrency(string? currency) => currency is { Length: MaxLength } && currency.All(char.IsAsciiLetter);

    public static string ToProvider(string currency) => currency.ToLowerInvariant();
}
