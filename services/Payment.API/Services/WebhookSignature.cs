using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AspireShop.Payment.API.Services;

/// <summary>
/// The provider's <c>Stripe-Signature</c> header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;</c>
/// (several v1 while the secret rolls over). The timestamp is signed too, so an old event cannot be replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Stripe-Signature";

    public static bool IsValid(string? header, string body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header) || string.IsNullOrEmpty(secret))
        {
            return false;
        }

        string? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = part.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                continue;
            }

            var (name, value) = (part[..separator], part[(separator + 1)..]);
            if (name == "t")
            {
                timestamp = value;
            }
            else if (name == "v1")
            {
                signatures.Add(value);
            }
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return false;
        }

        var expected = Compute(timestamp!, body, secret);
        var valid = false;
        foreach (var signature in signatures)
        {
            // Constant time, and every candidate compared, so timing says nothing about how close a guess was.
            valid |= signature.Length == expected.Length * 2 && TryFromHex(signature) is { } actual && CryptographicOperations.FixedTimeEquals(actual, expected);
        }

        return valid;
    }

    /// <summary>The header a sender computes for <paramref name="body"/> at <paramref name="timestamp"/>.</summary>
    public static string Sign(string body, string secret, DateTimeOffset timestamp)
    {
        var t = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Compute(t, body, secret))}";
    }

    private static byte[] Compute(string timestamp, string body, string secret) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));

    private static byte[]? TryFromHex(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        return Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == bytes.Length ? bytes : null;
    }
}
