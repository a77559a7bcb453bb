using AspireShop.Gateway.Routing;
using AspireShop.ServiceDefaults.Authentication;

namespace AspireShop.Gateway.Extensions;

public static class Extensions
{
    /// <summary><c>Gateway:MaxRequestBodyBytes</c>: no public request needs more than a product with its variants.</summary>
    public const string MaxRequestBodyKey = "Gateway:MaxRequestBodyBytes";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.Services.AddAuthorizationBuilder().AddGatewayPolicies();
        builder.Services.AddGatewayRateLimits(builder.Configuration);

        var maxBody = builder.Configuration.GetValue<long>(MaxRequestBodyKey, 1024 * 1024);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = maxBody);

        builder.Services.AddReverseProxy()
            .LoadFromMemory(GatewayRoutes.Routes, GatewayRoutes.Clusters(builder.Configuration))
            .AddServiceDiscoveryDestinationResolver();
    }

    public static WebApplication MapGatewayRoutes(this WebApplication app)
    {
        app.MapReverseProxy();
        return app;
    }
}
