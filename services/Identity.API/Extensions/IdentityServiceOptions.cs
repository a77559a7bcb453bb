namespace AspireShop.Identity.API.Extensions;

/// <summary>The <c>Identity</c> configuration section (shared with ServiceDefaults' Authority/Audience/ClientId keys).</summary>
public sealed class IdentityServiceOptions
{
    public const string Section = "Identity";

    /// <summary>
    /// Absolute, e.g. the gateway's public URL + <c>/auth/</c>, so tokens minted directly or through the gateway carry
    /// the same <c>iss</c>. Unset: OpenIddict uses the request's own base address.
    /// </summary>
    public Uri? Issuer { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Creates the demo buyer, sellers and admin (development only; the AppHost turns it on).</summary>
    public bool SeedDemoUsers { get; set; }

    /// <summary>Confidential client-credentials clients by client id, e.g. <c>Identity:Clients:cart:Secret</c>.</summary>
    public Dictionary<string, OAuthClientOptions> Clients { get; set; } = new(StringComparer.Ordinal);

    public StorefrontOptions Storefront { get; set; } = new();
}

public sealed class OAuthClientOptions
{
    public string? Secret { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>
    /// Roles the client's tokens carry; <c>service</c> when empty. The AppHost's <c>dashboard</c> client gets
    /// <c>admin</c> so the dashboard's admin commands work without a human's password.
    /// </summary>
    public List<string> Roles { get; set; } = [];
}

public sealed class StorefrontOptions
{
    /// <summary>Where the authorization-code flow may send the storefront back to; none means the flow is unusable.</summary>
    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];
}
