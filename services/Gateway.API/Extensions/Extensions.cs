using AspireShop.Gateway.Routing;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Scalar.AspNetCore;

namespace AspireShop.Gateway.Extensions;

public static class Extensions
{
    /// <summary><c>Gateway:MaxRequestBodyBytes</c>: no public request needs more than a product with its variants.</summary>
    public const string MaxRequestBodyKey = "Gateway:MaxRequestBodyBytes";

    /// <summary><c>Gateway:ApiReference</c>: serve Scalar at /scalar over every service's document (the AppHost turns it on when run locally).</summary>
    public const string ApiReferenceKey = "Gateway:ApiReference";

    public const string ApiReferencePath = "/scalar";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.Services.AddAuthorizationBuilder().AddGatewayPolicies();
        builder.Services.AddGatewayRateLimits(builder.Configuration);

        var maxBody = builder.Configuration.GetValue<long>(MaxRequestBodyKey, 1024 * 1024);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = maxBody);

        var routes = ApiReferenceEnabled(builder) ? [.. GatewayRoutes.Routes, .. GatewayRoutes.ApiDocumentRoutes()] : GatewayRoutes.Routes;
        builder.Services.AddReverseProxy()
            .LoadFromMemory(routes, GatewayRoutes.Clusters(builder.Configuration))
            .AddServiceDiscoveryDestinationResolver();
    }

    public static WebApplication MapGatewayRoutes(this WebApplication app)
    {
        // A form is forwarded as it came: parsing it here would leave the service an empty body.
        app.MapReverseProxy().WithMetadata(ForwardsRequestBodyMetadata.Instance);
        if (ApiReferenceEnabled(app))
        {
            app.MapApiReference();
        }

        return app;
    }

    private static bool ApiReferenceEnabled(IHostApplicationBuilder builder) => builder.Configuration.GetValue<bool>(ApiReferenceKey);

    private static bool ApiReferenceEnabled(WebApplication app) => app.Configuration.GetValue<bool>(ApiReferenceKey);

    /// <summary>One Scalar page over every service's document; "try it" goes through this gateway, with a token.</summary>
    private static void MapApiReference(this WebApplication app) =>
        app.MapScalarApiReference(ApiReferencePath, (options, http) =>
        {
            options.WithTitle("AspireShop API")
                .WithOpenApiRoutePattern(GatewayRoutes.ApiDocumentPattern)
                .AddPreferredSecuritySchemes("Bearer")
                .DisableDefaultFonts();
            foreach (var service in GatewayRoutes.Services.Keys)
            {
                options.AddDocument(service, service, isDefault: service == "catalog");
            }

            // Each document names its service's internal address; calls from the page go through the front door.
            options.AddServer($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}", "Gateway");
        }).AllowAnonymous();
}
