using Yarp.ReverseProxy.Configuration;

namespace AspireShop.Gateway.Routing;

/// <summary>
/// The public surface of AspireShop. Each route names its policy; a route without one gets the fallback policy
/// (authenticated user), and a path no route matches is 404, so forgetting something closes it rather than opens it.
/// </summary>
public static class GatewayRoutes
{
    private static readonly string[] Reads = ["GET", "HEAD"];

    /// <summary>Cluster id → service name resolved by service discovery.</summary>
    public static readonly IReadOnlyDictionary<string, string> Services = new Dictionary<string, string>
    {
        ["catalog"] = "catalog",
        ["search"] = "search",
        ["inventory"] = "inventory",
        ["cart"] = "cart",
        ["identity"] = "identity",
    };

    public static IReadOnlyList<RouteConfig> Routes { get; } =
    [
        Route("catalog-products-read", "catalog", "/api/catalog/products/{**rest}", GatewayPolicies.Anonymous, Reads),
        Route("catalog-offers-read", "catalog", "/api/catalog/skus/{skuId}/offers/{sellerId}", GatewayPolicies.Anonymous, Reads),
        Route("catalog-writes", "catalog", "/api/catalog/{**rest}", GatewayPolicies.SellerOrAdmin, rateLimit: GatewayRateLimits.Writes),
        Route("catalog-admin", "catalog", "/admin/catalog/{**rest}", GatewayPolicies.Admin),

        Route("search-read", "search", "/api/search/{**rest}", GatewayPolicies.Anonymous, Reads),
        Route("search-admin", "search", "/admin/search/{**rest}", GatewayPolicies.Admin),

        Route("inventory-availability-read", "inventory", "/api/inventory/availability/{**rest}", GatewayPolicies.Anonymous, Reads),
        Route("inventory-stock", "inventory", "/api/inventory/stock/{**rest}", GatewayPolicies.SellerOrAdmin, rateLimit: GatewayRateLimits.Writes),
        Route("inventory-flash-sales", "inventory", "/api/inventory/flash-sales/{**rest}", GatewayPolicies.SellerOrAdmin, rateLimit: GatewayRateLimits.Writes),
        Route("inventory-reservations-read", "inventory", "/api/inventory/reservations/{**rest}", GatewayPolicies.BuyerOrAdmin, Reads),
        Route("inventory-reservations-write", "inventory", "/api/inventory/reservations/{**rest}", GatewayPolicies.BuyerOrAdmin, rateLimit: GatewayRateLimits.Writes),
        // Deliberately no policy: whatever else Inventory grows is only reachable with a token until someone decides.
        Route("inventory-other", "inventory", "/api/inventory/{**rest}", policy: null),

        Route("cart-read", "cart", "/api/cart/{**rest}", GatewayPolicies.Buyer, Reads),
        Route("cart-write", "cart", "/api/cart/{**rest}", GatewayPolicies.Buyer, rateLimit: GatewayRateLimits.Writes),

        // Identity guards its own admin endpoints; the token endpoint is throttled per IP against password guessing.
        Route("identity", "identity", "/auth/{**rest}", GatewayPolicies.Anonymous, rateLimit: GatewayRateLimits.Auth),
    ];

    public static IReadOnlyList<ClusterConfig> Clusters { get; } = Services
        .Select(service => new ClusterConfig
        {
            ClusterId = service.Key,
            Destinations = new Dictionary<string, DestinationConfig>
            {
                // "http://<name>" is resolved by Aspire service discovery (services:<name>:http:0).
                [service.Key] = new() { Address = $"http://{service.Value}" },
            },
        })
        .ToList();

    private static RouteConfig Route(string id, string cluster, string path, string? policy, string[]? methods = null, string? rateLimit = null) => new()
    {
        RouteId = id,
        ClusterId = cluster,
        // Method-specific routes win over the catch-all of the same path.
        Order = methods is null ? 100 : 50,
        Match = new RouteMatch { Path = path, Methods = methods },
        AuthorizationPolicy = policy,
        RateLimiterPolicy = rateLimit,
    };
}
