using System.Collections.Immutable;
using System.Security.Claims;
using AspireShop.Identity.API.Domain;
using AspireShop.ServiceDefaults.Authentication;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AspireShop.Identity.API.Security;

/// <summary>The claims of AspireShop's access tokens, built in one place for every grant.</summary>
public static class TokenPrincipals
{
    /// <summary>
    /// sub, name, email, one role claim per role, seller_id for sellers; always for the <c>aspireshop-api</c> audience.
    /// </summary>
    public static ClaimsPrincipal ForUser(User user, ImmutableArray<string> scopes)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Name, user.Name)
            .SetClaim(Claims.Email, user.Email)
            .SetClaims(Claims.Role, [.. user.Roles]);
        if (user.SellerId is { } sellerId)
        {
            identity.SetClaim(AspireShopClaims.SellerId, sellerId.ToString());
        }

        return Finish(identity, scopes);
    }

    /// <summary>A service calling as itself: sub = client id, role service unless its configuration names others.</summary>
    public static ClaimsPrincipal ForClient(string clientId, string? displayName, IReadOnlyCollection<string> roles, ImmutableArray<string> scopes)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, clientId)
            .SetClaim(Claims.ClientId, clientId)
            .SetClaim(Claims.Name, displayName ?? clientId)
            .SetClaims(Claims.Role, roles.Count == 0 ? [AspireShopClaims.ServiceRole] : [.. roles]);
        return Finish(identity, scopes);
    }

    private static ClaimsIdentity NewIdentity() =>
        new(authenticationType: "AspireShop", nameType: Claims.Name, roleType: Claims.Role);

    private static ClaimsPrincipal Finish(ClaimsIdentity identity, ImmutableArray<string> scopes)
    {
        identity.SetScopes(scopes);
        identity.SetResources(AuthenticationExtensions.DefaultAudience);
        identity.SetDestinations(claim => Destinations(claim, identity));
        return new ClaimsPrincipal(identity);
    }

    // Everything goes into the access token (services authorize on it); identity tokens get what their scopes allow.
    private static IEnumerable<string> Destinations(Claim claim, ClaimsIdentity identity)
    {
        yield return OpenIddictConstants.Destinations.AccessToken;
        var scope = claim.Type switch
        {
            Claims.Name => Scopes.Profile,
            Claims.Email => Scopes.Email,
            Claims.Role or AspireShopClaims.SellerId => Scopes.Roles,
            _ => null,
        };
        if (scope is not null && identity.HasScope(scope))
        {
            yield return OpenIddictConstants.Destinations.IdentityToken;
        }
    }
}
