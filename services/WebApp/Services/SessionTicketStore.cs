using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Distributed;

namespace AspireShop.WebApp.Services;

/// <summary>
/// The cookie's server side: tickets (principal and tokens) live in the distributed cache under a random key, and the
/// browser's cookie carries only that key. The key is also added to the principal as <see cref="SessionKeyClaim"/> so
/// code that has only the user (an interactive circuit) can find the tokens.
/// </summary>
public sealed class SessionTicketStore(IDistributedCache cache, TimeProvider time) : ITicketStore
{
    public const string SessionKeyClaim = "aspireshop_session";

    private const string Prefix = "session:";

    /// <summary>How long a ticket lives when the cookie did not say (it always does).</summary>
    private static readonly TimeSpan FallbackLifetime = TimeSpan.FromDays(1);

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        if (ticket.Principal.Identity is ClaimsIdentity identity)
        {
            identity.AddClaim(new Claim(SessionKeyClaim, key));
        }

        await RenewAsync(key, ticket, cancellationToken);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var expires = ticket.Properties.ExpiresUtc ?? time.GetUtcNow().Add(FallbackLifetime);
        return cache.SetAsync(Prefix + key, TicketSerializer.Default.Serialize(ticket),
            new DistributedCacheEntryOptions { AbsoluteExpiration = expires }, cancellationToken);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        var bytes = await cache.GetAsync(Prefix + key, cancellationToken);
        return bytes is null ? null : TicketSerializer.Default.Deserialize(bytes);
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public Task RemoveAsync(string key, CancellationToken cancellationToken) => cache.RemoveAsync(Prefix + key, cancellationToken);

    /// <summary>The session key of a signed-in user, or null (signed out, or a ticket from before the key existed).</summary>
    public static string? SessionKey(ClaimsPrincipal user) => user.FindFirst(SessionKeyClaim)?.Value;
}
