using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AspireShop.Infrastructure.PaymentProvider.Webhooks;

/// <summary>Stripe's scheme: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;</c>.</summary>
public static class WebhookSignature
{
    public const string Header = "Stripe-Signature";

    public static string Create(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return FormattableString.Invariant($"t={timestamp},v1={Convert.ToHexStringLower(mac)}");
    }
}
