using System.Text;

namespace AspireShop.Seller.API.Domain;

/// <summary>
/// Payout details are an IBAN: country code, two check digits, up to 30 letters and digits, valid by ISO 13616's
/// mod-97 check, so a typo is refused at the door instead of bouncing a payout weeks later.
/// </summary>
public static class PayoutAccount
{
    public const int MinLength = 15;
    public const int MaxLength = 34;

    /// <summary>The IBAN without spaces or dashes, upper-cased; null when it is not a valid IBAN.</summary>
    public static string? Normalize(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var iban = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            if (!char.IsAsciiLetterOrDigit(c))
            {
                return null;
            }

            iban.Append(char.ToUpperInvariant(c));
        }

        var value = iban.ToString();
        var shaped = value.Length is >= MinLength and <= MaxLength
            && char.IsAsciiLetter(value[0]) && char.IsAsciiLetter(value[1]) && char.IsAsciiDigit(value[2]) && char.IsAsciiDigit(value[3]);
        return shaped && Mod97(value[4..] + value[..4]) == 1 ? value : null;
    }

    /// <summary>Country and check digits and the last four characters; enough to recognise an account, not to use it.</summary>
    public static string Mask(string iban) =>
        iban.Length <= 8 ? new string('*', iban.Length) : iban[..4] + new string('*', iban.Length - 8) + iban[^4..];

    // Letters count as two digits (A = 10 … Z = 35); the remainder is carried digit by digit so no big integer is needed.
    private static int Mod97(string rearranged)
    {
        var remainder = 0;
        foreach (var c in rearranged)
        {
            var value = char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = value >= 10 ? ((remainder * 100) + value) % 97 : ((remainder * 10) + value) % 97;
        }

        return remainder;
    }
}
