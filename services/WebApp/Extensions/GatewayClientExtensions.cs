using AspireShop.WebApp.Services;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireShop.WebApp.Extensions;

public static class GatewayClientExtensions
{
    /// <summary>Where every API call goes: the gateway, found by service discovery (AppHost reference <c>gateway</c>).</summary>
    public const string DefaultGatewayAddress = "https+http://gateway";

    /// <summary>
    /// A typed client for the gateway: BaseAddress from <c>Gateway:Address</c> (default <see cref="DefaultGatewayAddress"/>),
    /// the shared resilience pipeline from ServiceDefaults, and the signed-in user's access token on every request
    /// (anonymous when nobody is signed in). Inject <typeparamref name="TClient"/> into pages and components.
    /// </summary>
    public static IHttpClientBuilder AddGatewayClient<TClient>(this IServiceCollection services) where TClient : class
    {
        services.AddUserTokens();
        return services.AddHttpClient<TClient>((provider, client) =>
                client.BaseAddress = new Uri(provider.GetRequiredService<IConfiguration>()["Gateway:Address"] is { Length: > 0 } address ? address : DefaultGatewayAddress))
            .AddHttpMessageHandler<GatewayTokenHandler>();
    }

    public static IServiceCollection AddUserTokens(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.TryAddSingleton<CircuitServicesAccessor>();
        services.TryAddSingleton<StorefrontHeaders>();
        services.TryAddScoped<CircuitMarker>();
        services.TryAddScoped<UserTokens>();
        services.TryAddTransient<GatewayTokenHandler>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, CircuitServicesHandler>());
        return services;
    }
}
