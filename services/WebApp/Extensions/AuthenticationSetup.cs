using AspireShop.ServiceDefaults.Authentication;
using AspireShop.WebApp.Services;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using StackExchange.Redis;

namespace AspireShop.WebApp.Extensions;

/// <summary>
/// Backend-for-frontend sign-in: a cookie that holds only a session key, the ticket (principal + access, refresh and id
/// tokens) in Redis, and OpenID Connect code + PKCE against Identity's public <c>storefront</c> client.
/// </summary>
public static class AuthenticationSetup
{
    public const string LoginPath = "/account/login";
    public const string LogoutPath = "/account/logout";
    public const string AccessDeniedPath = "/access-denied";
    public const string ReturnUrlParameter = "returnUrl";

    /// <summary>Used until the AppHost sets <c>Identity:Authority</c>: the gateway on its default port.</summary>
    public const string DefaultAuthority = "http://localhost:8080/auth/";

    public const string DefaultClientId = "storefront";

    /// <summary>Identity's storefront client may ask for these (IdentitySeeder.UserScopes); roles puts role and seller_id in the id token.</summary>
    public static readonly IReadOnlyList<string> Scopes = ["openid", "profile", "email", "roles", "offline_access"];

    /// <summary>
    /// Redis (connection <c>redis</c>) holds the tickets so every instance sees every session; without a connection
    /// string in Development (the WebApp run alone) an in-memory cache stands in.
    /// </summary>
    public static IHostApplicationBuilder AddSessionStore(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration.GetConnectionString("redis")) && builder.Environment.IsDevelopment())
        {
            builder.Services.AddDistributedMemoryCache();
        }
        else
        {
            builder.AddFailFastRedis("redis");
            builder.Services.AddStackExchangeRedisCache(options => options.InstanceName = "webapp:");
            builder.Services.AddOptions<RedisCacheOptions>().Configure<IServiceProvider>((options, services) =>
                options.ConnectionMultiplexerFactory = () => Task.FromResult(services.GetRequiredService<IConnectionMultiplexer>()));
            // The keys that sign the session cookie and every form's antiforgery token: kept in Redis, so a restart or a
            // second replica does not sign every shopper out and void every open form.
            builder.Services.AddDataProtection().SetApplicationName("aspireshop-webapp");
            builder.Services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>((options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), "webapp:data-protection-keys"));
        }

        builder.Services.AddSingleton<SessionTicketStore>();
        return builder;
    }

    public static IHostApplicationBuilder AddStorefrontAuthentication(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var authority = configuration[AuthenticationExtensions.AuthorityKey] is { Length: > 0 } configured ? configured : DefaultAuthority;
        authority = authority.EndsWith('/') ? authority : authority + "/";

        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<TokenRefresher>();
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                // [Authorize] pages send signed-out users to /account/login, which starts the OpenID Connect challenge.
                options.DefaultChallengeScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddCookie(options =>
            {
                // Not the default name: Identity's own cookies live on the same host (localhost ignores ports).
                options.Cookie.Name = "aspireshop.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = LoginPath;
                options.LogoutPath = LogoutPath;
                options.AccessDeniedPath = AccessDeniedPath;
                options.ReturnUrlParameter = ReturnUrlParameter;
                options.ExpireTimeSpan = TimeSpan.FromDays(1);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = context =>
                    context.HttpContext.RequestServices.GetRequiredService<TokenRefresher>().ValidatePrincipalAsync(context);
            })
            .AddOpenIdConnect(options =>
            {
                options.Authority = authority;
                options.RequireHttpsMetadata = authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                options.ClientId = configuration["Identity:ClientId"] is { Length: > 0 } clientId ? clientId : DefaultClientId;
                options.ResponseType = OpenIdConnectResponseType.Code;
                // A top-level GET back to /signin-oidc carries the SameSite=Lax correlation cookies even across sites.
                options.ResponseMode = OpenIdConnectResponseMode.Query;
                options.UsePkce = true;
                options.SaveTokens = true;
                options.MapInboundClaims = false;
                // The id token already carries name, email, role and seller_id (scopes profile, email, roles).
                options.GetClaimsFromUserInfoEndpoint = false;
                options.Scope.Clear();
                foreach (var scope in Scopes)
                {
                    options.Scope.Add(scope);
                }

                options.TokenValidationParameters.NameClaimType = AspireShopClaims.Name;
                options.TokenValidationParameters.RoleClaimType = AspireShopClaims.Role;
                options.CallbackPath = "/signin-oidc";
                options.SignedOutCallbackPath = "/signout-callback-oidc";
                options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.NonceCookie.SameSite = SameSiteMode.Lax;
                options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.Events.OnRemoteFailure = context =>
                {
                    // A cancelled or expired sign-in (correlation cookie gone, access_denied) is a page, not a 500.
                    context.Response.Redirect(AccountEndpoints.SignInFailedPath);
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
                options.Events.OnRedirectToIdentityProvider = async context =>
                {
                    // Without an end-session endpoint Identity's own login survives our sign-out; asking for the
                    // password again is what lets someone else sign in on this browser.
                    var configuration = await context.Options.ConfigurationManager!.GetConfigurationAsync(context.HttpContext.RequestAborted);
                    if (string.IsNullOrEmpty(configuration.EndSessionEndpoint))
                    {
                        context.ProtocolMessage.Prompt = OpenIdConnectPrompt.Login;
                    }
                };
            });

        builder.Services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme)
            .Configure<StorefrontHeaders, IHttpContextAccessor>((options, storefront, http) =>
                options.BackchannelHttpHandler = new StorefrontBackchannelHandler(storefront, http));
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<SessionTicketStore>((options, store) => options.SessionStore = store);
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>
    /// Only this site's paths: anything else would make the sign-in an open redirect. Control characters are refused
    /// too, since browsers drop a tab or newline and read <c>/\t/evil.example</c> as <c>//evil.example</c>.
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'))
            && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";
}
