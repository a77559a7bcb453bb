using AspireShop.Identity.API.Domain;
using AspireShop.Identity.API.Extensions;
using AspireShop.Identity.API.Security;
using AspireShop.Identity.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AspireShop.Identity.API.Data;

/// <summary>
/// Idempotent: the token keys, the OAuth clients (the CLI, the storefront, one per <c>Identity:Clients</c> entry) and,
/// when <c>Identity:SeedDemoUsers</c> is on, the demo users. Clients are written at every start of the service, from
/// its own configuration (configuration wins), so a new client needs no migration run and a migrate step run with
/// less configuration cannot undo them.
/// </summary>
public sealed partial class IdentitySeeder(
    TokenKeyStore keys,
    IOpenIddictApplicationManager applications,
    UserAccounts users,
    IOptions<IdentityServiceOptions> settings,
    ILogger<IdentitySeeder> logger)
{
    /// <summary>Public client for the password grant: CLI, tests, bench, curl. No secret, so no client_credentials.</summary>
    public const string CliClientId = "aspireshop-cli";

    /// <summary>Public client of the storefront (wave 2): authorization code + PKCE only.</summary>
    public const string StorefrontClientId = "storefront";

    public const string DemoPassword = "Pass123$";

    // The first two sellers of Catalog's deterministic demo seed (CatalogSeedData, seed 20250601), so demo sellers own demo products.
    public static readonly Guid DemoSellerA = Guid.Parse("e64c1720-3a41-ce05-66b6-ea56b18ecd2f");
    public static readonly Guid DemoSellerB = Guid.Parse("47d0abb4-4208-fb83-ca56-6adb46e9ed5a");

    public static readonly IReadOnlyList<(string Email, string Name, string Role, Guid? SellerId)> DemoUsers =
    [
        ("buyer@aspireshop.dev", "Demo Buyer", UserRoles.Buyer, null),
        ("seller-a@aspireshop.dev", "Demo Seller A", UserRoles.Seller, DemoSellerA),
        ("seller-b@aspireshop.dev", "Demo Seller B", UserRoles.Seller, DemoSellerB),
        ("admin@aspireshop.dev", "Demo Admin", UserRoles.Admin, null),
    ];

    private static readonly string[] UserScopes =
    [
        Permissions.Scopes.Email, Permissions.Scopes.Profile, Permissions.Scopes.Roles, Permissions.Prefixes.Scope + Scopes.OfflineAccess,
    ];

    public async Task SeedAsync(bool includeClients, CancellationToken cancellationToken)
    {
        await keys.EnsureAsync(cancellationToken);
        if (includeClients)
        {
            await SeedClientsAsync(cancellationToken);
        }

        if (settings.Value.SeedDemoUsers)
        {
            await SeedDemoUsersAsync(cancellationToken);
        }
    }

    private async Task SeedClientsAsync(CancellationToken cancellationToken)
    {
        var cli = new OpenIddictApplicationDescriptor
        {
            ClientId = CliClientId,
            ClientType = ClientTypes.Public,
            DisplayName = "AspireShop CLI",
        };
        cli.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.Password, Permissions.GrantTypes.RefreshToken, .. UserScopes]);
        await UpsertAsync(cli, cancellationToken);

        var storefront = new OpenIddictApplicationDescriptor
        {
            ClientId = StorefrontClientId,
            ClientType = ClientTypes.Public,
            // A first-party app: no consent screen.
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "AspireShop storefront",
        };
        storefront.Permissions.UnionWith(
        [
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
            Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code, .. UserScopes,
        ]);
        storefront.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        storefront.RedirectUris.UnionWith(settings.Value.Storefront.RedirectUris.Select(uri => new Uri(uri, UriKind.Absolute)));
        storefront.PostLogoutRedirectUris.UnionWith(settings.Value.Storefront.PostLogoutRedirectUris.Select(uri => new Uri(uri, UriKind.Absolute)));
        await UpsertAsync(storefront, cancellationToken);

        foreach (var (clientId, client) in settings.Value.Clients)
        {
            if (string.IsNullOrEmpty(client.Secret))
            {
                throw new InvalidOperationException($"Identity:Clients:{clientId}:Secret is empty.");
            }

            // A seller role needs a seller_id, which a client does not have: refuse it at start, not at the first call.
            if (client.Roles.FirstOrDefault(role => role is not (UserRoles.Admin or UserRoles.Buyer or AspireShopClaims.ServiceRole)) is { } unsupported)
            {
                throw new InvalidOperationException($"Identity:Clients:{clientId}:Roles has '{unsupported}'; a client may have only service, admin or buyer.");
            }

            var service = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = client.Secret,
                ClientType = ClientTypes.Confidential,
                DisplayName = client.DisplayName ?? clientId,
            };
            service.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
            await UpsertAsync(service, cancellationToken);
        }
    }

    private async Task UpsertAsync(OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        var existing = await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken);
        try
        {
            if (existing is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
                LogClientCreated(descriptor.ClientId);
            }
            else
            {
                // Configuration wins: a changed secret or redirect URI applies at the next start.
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OpenIddictExceptions.ConcurrencyException or DbUpdateException)
        {
            // Another instance seeded the same client at the same moment; its row is as good as ours.
            LogClientSeededElsewhere(descriptor.ClientId);
        }
    }

    private async Task SeedDemoUsersAsync(CancellationToken cancellationToken)
    {
        foreach (var (email, name, role, sellerId) in DemoUsers)
        {
            var (outcome, _) = await users.CreateAsync(email, DemoPassword, name, [role], sellerId, cancellationToken);
            if (outcome == CreateUserOutcome.Created)
            {
                LogDemoUserCreated(email, role);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Created client {ClientId}")]
    private partial void LogClientCreated(string? clientId);

    [LoggerMessage(LogLevel.Information, "Client {ClientId} was seeded concurrently by another instance")]
    private partial void LogClientSeededElsewhere(string? clientId);

    [LoggerMessage(LogLevel.Information, "Created demo user {Email} ({Role})")]
    private partial void LogDemoUserCreated(string email, string role);
}
