using System.Globalization;

namespace AspireShop.WebApp.Components;

/// <summary>Prices as shoppers read them: "€12.50", "$3.00", "12.50 CHF" for currencies without a common symbol.</summary>
public static class Money
{
    public static string Format(decimal amount, string? currency) => (currency?.ToUpperInvariant() ?? "") switch
    {
        "EUR" => "€" + Amount(amount),
        "USD" => "$" + Amount(amount),
        "GBP" => "£" + Amount(amount),
        "" => Amount(amount),
        var code => $"{Amount(amount)} {code}",
    };

    private static string Amount(decimal amount) => amount.ToString("#,0.00", CultureInfo.InvariantCulture);
}
