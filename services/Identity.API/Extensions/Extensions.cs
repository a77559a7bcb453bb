using AspireShop.BuildingBlocks.Data;
using AspireShop.Identity.API.Apis;
using AspireShop.Identity.API.Data;
using AspireShop.Identity.API.Domain;
using AspireShop.Identity.API.Events;
using AspireShop.Identity.API.Security;
using AspireShop.Identity.API.Services;
using AspireShop.Seller.Contracts;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AspireShop.Identity.API.Extensions;

public static class Extensions
{
    public const string DatabaseName = "identitydb";
    public const string KafkaName = "kafka";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddIdentityDatabase();
        builder.Services.AddIdentityStores();

        builder.Services.AddBadRequestProblems();
        builder.Services.AddAntiforgery();

        builder.AddTokenServer();
        builder.AddIdentityAuthentication();

        // Seller's approvals grant the seller role: by event, never by reading another service's database.
        builder.AddKafkaClients(KafkaName);
        builder.AddEventHandler<SellerEvent, SellerApprovedHandler>(SellerApprovedHandler.ConsumerGroup, SellerEvent.Topic);

        // Hosted services start before Kestrel accepts requests: clients and demo users exist for the first one.
        builder.Services.AddHostedService<SeedOnStart>();
        builder.Services.AddHostedService<TokenPruning>();
    }

    /// <summary>EF Core for users, keys and OpenIddict's stores; what the migrate step needs too.</summary>
    public static void AddIdentityDatabase(this IHostApplicationBuilder builder) =>
        builder.AddServiceDbContext<IdentityContext>(DatabaseName);

    /// <summary>Users, keys, OpenIddict's stores and the seeder, without the token server's endpoints.</summary>
    public static void AddIdentityStores(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<IdentityServiceOptions>().BindConfiguration(IdentityServiceOptions.Section);
        // ASP.NET Core Identity's hasher: PBKDF2-HMAC-SHA512, 100 000 iterations (V3 format).
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddScoped<UserAccounts>();
        services.AddSingleton<TokenKeyStore>();
        services.AddScoped<IdentitySeeder>();
        services.AddOpenIddict().AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityContext>());
    }

    private static void AddTokenServer(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(IdentityServiceOptions.Section).Get<IdentityServiceOptions>() ?? new IdentityServiceOptions();
        builder.Services.AddOpenIddict()
            .AddServer(server =>
            {
                // All under /auth: the gateway forwards /auth/** unchanged and JwtBearer finds {authority}/.well-known/….
                server.SetTokenEndpointUris(IdentityPaths.Token)
                    .SetAuthorizationEndpointUris(IdentityPaths.Authorize)
                    .SetUserInfoEndpointUris(IdentityPaths.UserInfo)
                    .SetConfigurationEndpointUris(IdentityPaths.Discovery)
                    .SetJsonWebKeySetEndpointUris(IdentityPaths.Jwks);

                if (settings.Issuer is { } issuer)
                {
                    server.SetIssuer(issuer);
                }

                server.AllowPasswordFlow()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow()
                    .AllowAuthorizationCodeFlow()
                    .RequireProofKeyForCodeExchange();

                server.RegisterScopes(Scopes.Email, Scopes.Profile, Scopes.Roles, Scopes.OfflineAccess);
                server.SetAccessTokenLifetime(settings.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(settings.RefreshTokenLifetime);

                // Signed, not encrypted: every service validates access tokens with plain JwtBearer and the JWKS.
                server.DisableAccessTokenEncryption();

                server.UseAspNetCore()
                    .EnableTokenEndpointPassthrough()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    // The platform runs on plain HTTP locally (no trusted dev certificate); TLS ends at the ingress in Azure.
                    .DisableTransportSecurityRequirement();
            })
            // Identity validates its own tokens in-process with the server's keys and issuer: JwtBearer would need an
            // HTTP round trip to itself and an authority address this service does not know about itself.
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.AddAudiences(AuthenticationExtensions.DefaultAudience);
                validation.UseAspNetCore();
            });

        // The keys come from identitydb (TokenKeyStore), not from a certificate file.
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ServerKeysSetup>();
    }

    private static void AddIdentityAuthentication(this IHostApplicationBuilder builder)
    {
        // The shared policies (admin, seller, …) and the "authenticated user" fallback, as in every service.
        builder.AddDefaultAuthentication();
        builder.Services.Configure<AuthenticationOptions>(options =>
        {
            // Replaces ServiceDefaults' JwtBearer default: bearer tokens are checked by OpenIddict's local validation.
            options.DefaultScheme = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            options.DefaultAuthenticateScheme = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            options.DefaultChallengeScheme = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            options.DefaultForbidScheme = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
        });
        builder.Services.AddAuthentication().AddCookie(IdentityPaths.LoginCookieScheme, cookie =>
        {
            cookie.LoginPath = IdentityPaths.Login;
            cookie.Cookie.Name = "aspireshop.login";
            cookie.Cookie.Path = AuthenticationExtensions.IdentityPathBase;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(1);
            cookie.SlidingExpiration = true;
        });
    }

    private sealed class SeedOnStart(IServiceScopeFactory scopes) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IdentitySeeder>().SeedAsync(includeClients: true, cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
