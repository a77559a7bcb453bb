using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace AspireShop.Gateway.Middleware;

/// <summary>
/// The storefront (a server-side app) sends every shopper's requests from its own address; rate limits per IP would
/// put all anonymous shoppers and every sign-in behind one bucket. A request carrying the storefront's key
/// (<c>Gateway:StorefrontKey</c>, a secret only the AppHost hands out) has its client address taken from
/// <c>X-Forwarded-For</c>; from anyone else that header is ignored, so it cannot be used to dodge a limit.
/// </summary>
public static class TrustedStorefront
{
    public const string KeyHeader = "X-AspireShop-Storefront";
    public const string KeySetting = "Gateway:StorefrontKey";

    public static IApplicationBuilder UseTrustedStorefront(this IApplicationBuilder app, IConfiguration configuration)
    {
        var key = configuration[KeySetting] is { Length: >= 16 } configured ? Encoding.UTF8.GetBytes(configured) : null;
        return app.Use(async (context, next) =>
        {
            var presented = context.Request.Headers[KeyHeader].ToString();
            // The key never travels past the gateway, matched or not.
            context.Request.Headers.Remove(KeyHeader);
            if (key is not null && presented.Length > 0
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), key)
                && IPAddress.TryParse(context.Request.Headers["X-Forwarded-For"].ToString().Split(',')[0].Trim(), out var shopper))
            {
                context.Connection.RemoteIpAddress = shopper;
                // YARP writes X-Forwarded-For from the (now the shopper's) address itself.
                context.Request.Headers.Remove("X-Forwarded-For");
            }

            await next(context);
        });
    }
}
