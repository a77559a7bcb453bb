using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text.Json.Serialization;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspireShop.WebApp.Services;

/// <summary>
/// Renews a session's access token with its refresh token when less than <see cref="Margin"/> is left, at Identity's
/// token endpoint (public client: no secret). The new id token's claims replace the principal's, so a role granted since
/// sign-in (a seller approved) shows at the next refresh. Refreshes are shared per refresh token for 30 s: Identity
/// rotates refresh tokens, and a request and a circuit of the same session must not both spend the old one.
/// </summary>
public sealed partial class TokenRefresher(
    IOptionsMonitor<OpenIdConnectOptions> oidc, IMemoryCache recent, TimeProvider time, ILogger<TokenRefresher> logger)
{
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ShareFor = TimeSpan.FromSeconds(30);

    // Protocol claims of the id token that say nothing about the user (the OpenID Connect handler drops them too).
    private static readonly HashSet<string> ProtocolClaims =
        ["nonce", "aud", "azp", "acr", "iss", "iat", "nbf", "exp", "at_hash", "c_hash", "oi_au_id", "oi_tkn_id", "oi_tkn_typ"];

    public bool NeedsRefresh(AuthenticationProperties properties) =>
        DateTimeOffset.TryParse(properties.GetTokenValue("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt)
        && expiresAt - time.GetUtcNow() < Margin
        && properties.GetTokenValue("refresh_token") is not null;

    /// <summary>The cookie's hook, run on every request before any page: a refreshed ticket is written back by the cookie handler.</summary>
    public async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is null || !NeedsRefresh(context.Properties))
        {
            return;
        }

        switch (await RefreshAsync(context.Principal, context.Properties, context.HttpContext.RequestAborted))
        {
            case { Outcome: RefreshOutcome.Refreshed, Principal: var principal }:
                context.ReplacePrincipal(principal);
                context.ShouldRenew = true;
                break;
            case { Outcome: RefreshOutcome.SessionEnded }:
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Refreshes and updates <paramref name="properties"/> in place. <see cref="RefreshOutcome.Unavailable"/> (Identity
    /// unreachable) keeps the session with its old token; <see cref="RefreshOutcome.SessionEnded"/> means sign out.
    /// </summary>
    public async Task<RefreshResult> RefreshAsync(ClaimsPrincipal principal, AuthenticationProperties properties, CancellationToken cancellationToken)
    {
        var refreshToken = properties.GetTokenValue("refresh_token");
        if (refreshToken is null)
        {
            return new RefreshResult(RefreshOutcome.SessionEnded, principal);
        }

        var shared = recent.GetOrCreate(refreshToken, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = ShareFor;
            return new Lazy<Task<TokenResponse?>>(() => RequestAsync(refreshToken));
        })!;

        TokenResponse? response;
        try
        {
            response = await shared.Value.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Only this caller gave up: the shared refresh carries on, and the rotated token it brings must stay findable.
            return new RefreshResult(RefreshOutcome.Unavailable, principal);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException or IOException)
        {
            recent.Remove(refreshToken);
            LogRefreshUnavailable(ex);
            return new RefreshResult(RefreshOutcome.Unavailable, principal);
        }

        if (response?.AccessToken is null)
        {
            return new RefreshResult(RefreshOutcome.SessionEnded, principal);
        }

        var tokens = properties.GetTokens().ToDictionary(token => token.Name, token => token.Value);
        tokens["access_token"] = response.AccessToken;
        tokens["expires_at"] = time.GetUtcNow().AddSeconds(response.ExpiresIn).ToString("o", CultureInfo.InvariantCulture);
        if (response.RefreshToken is not null)
        {
            tokens["refresh_token"] = response.RefreshToken;
        }

        var refreshed = principal;
        if (response.IdToken is not null && await ReadIdTokenAsync(response.IdToken, principal, cancellationToken) is { } fromIdToken)
        {
            tokens["id_token"] = response.IdToken;
            refreshed = fromIdToken;
        }

        properties.StoreTokens(tokens.Select(token => new AuthenticationToken { Name = token.Key, Value = token.Value }));
        return new RefreshResult(RefreshOutcome.Refreshed, refreshed);
    }

    private async Task<TokenResponse?> RequestAsync(string refreshToken)
    {
        var options = oidc.Get(OpenIdConnectDefaults.AuthenticationScheme);
        var configuration = await options.ConfigurationManager!.GetConfigurationAsync(CancellationToken.None);
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = refreshToken,
                ["client_id"] = options.ClientId!,
            }),
        };
        using var response = await options.Backchannel.SendAsync(request);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
        {
            // invalid_grant: the refresh token expired, was revoked or the account is gone. Anything else (a 429 from
            // the gateway's sign-in budget) is Identity being unavailable for now, not the end of the session.
            LogRefreshRejected((int)response.StatusCode);
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<TokenResponse>();
    }

    /// <summary>The refreshed id token's claims with this session's key; null when it does not validate.</summary>
    private async Task<ClaimsPrincipal?> ReadIdTokenAsync(string idToken, ClaimsPrincipal current, CancellationToken cancellationToken)
    {
        var options = oidc.Get(OpenIdConnectDefaults.AuthenticationScheme);
        var configuration = await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
        var parameters = options.TokenValidationParameters.Clone();
        parameters.ValidIssuer = configuration.Issuer;
        parameters.ValidAudience = options.ClientId;
        parameters.IssuerSigningKeys = configuration.SigningKeys;
        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(idToken, parameters);
        if (!result.IsValid || current.Identity is not ClaimsIdentity identity)
        {
            LogIdTokenInvalid(result.Exception);
            return null;
        }

        var claims = result.ClaimsIdentity.Claims.Where(claim => !ProtocolClaims.Contains(claim.Type)).ToList();
        if (SessionTicketStore.SessionKey(current) is { } key)
        {
            claims.Add(new Claim(SessionTicketStore.SessionKeyClaim, key));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, identity.AuthenticationType, AspireShopClaims.Name, AspireShopClaims.Role));
    }

    [LoggerMessage(LogLevel.Warning, "Refreshing an access token failed: Identity could not be reached; the session keeps its old token")]
    private partial void LogRefreshUnavailable(Exception exception);

    [LoggerMessage(LogLevel.Information, "Identity refused a refresh token ({Status}); the session ends")]
    private partial void LogRefreshRejected(int status);

    [LoggerMessage(LogLevel.Warning, "A refreshed id token did not validate; the session keeps its claims")]
    private partial void LogIdTokenInvalid(Exception? exception);

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("id_token")] string? IdToken);
}

public enum RefreshOutcome
{
    Refreshed,
    Unavailable,
    SessionEnded,
}

public sealed record RefreshResult(RefreshOutcome Outcome, ClaimsPrincipal Principal);
