using System.Net;
using AspireShop.ServiceDefaults.OpenApi;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

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
        ["ordering"] = "ordering",
        ["payment"] = "payment",
        ["identity"] = "identity",
        ["fulfillment"] = "fulfillment",
        ["seller"] = "seller",
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
        // A sale's counters are public, as Inventory serves them: the product page shows how many are left.
        Route("inventory-flash-sales-read", "inventory", "/api/inventory/flash-sales/{**rest}", GatewayPolicies.Anonymous, Reads),
        Route("inventory-flash-sales", "inventory", "/api/inventory/flash-sales/{**rest}", GatewayPolicies.SellerOrAdmin, rateLimit: GatewayRateLimits.Writes),
        Route("inventory-reservations-read", "inventory", "/api/inventory/reservations/{**rest}", GatewayPolicies.BuyerOrAdmin, Reads),
        Route("inventory-reservations-write", "inventory", "/api/inventory/reservations/{**rest}", GatewayPolicies.BuyerOrAdmin, rateLimit: GatewayRateLimits.Writes),
        // Deliberately no policy: whatever else Inventory grows is only reachable with a token until someone decides.
        Route("inventory-other", "inventory", "/api/inventory/{**rest}", policy: null),

        Route("cart-read", "cart", "/api/cart/{**rest}", GatewayPolicies.Buyer, Reads),
        Route("cart-write", "cart", "/api/cart/{**rest}", GatewayPolicies.Buyer, rateLimit: GatewayRateLimits.Writes),

        // Ordering answers only the buyer who owns an order (or an admin), and 404 to anyone else.
        Route("orders-read", "ordering", "/api/orders/{**rest}", GatewayPolicies.BuyerOrAdmin, Reads),
        // Placing and cancelling take the default bucket, not the write one: a checkout retried with its Idempotency-Key
        // must reach Ordering to get its first answer back, and a cart is needed to order at all.
        Route("orders-write", "ordering", "/api/orders/{**rest}", GatewayPolicies.Buyer),
        Route("orders-admin", "ordering", "/admin/orders/{**rest}", GatewayPolicies.Admin),

        // The provider's webhooks carry no token: Payment verifies their signature and only re-reads the provider's truth.
        Route("payments-webhooks", "payment", "/api/payments/webhooks", GatewayPolicies.Anonymous, ["POST"]),
        Route("payments-admin", "payment", "/api/payments/{**rest}", GatewayPolicies.Admin),

        // Any signed-in user may apply to sell; Seller itself decides who sees which profile, and only admins decide.
        Route("seller-applications-decide", "seller", "/api/sellers/applications/{id}/{**decision}", GatewayPolicies.Admin, ["POST"], GatewayRateLimits.Writes),
        Route("seller-public", "seller", "/api/sellers/{id}/public", GatewayPolicies.Anonymous, Reads),
        Route("sellers-read", "seller", "/api/sellers/{**rest}", policy: null, Reads),
        Route("sellers-write", "seller", "/api/sellers/{**rest}", policy: null, rateLimit: GatewayRateLimits.Writes),

        // Sellers move their own shipments (Fulfillment answers 404 for another's); a buyer reads its own order's.
        Route("fulfillment-order-shipments", "fulfillment", "/api/fulfillment/orders/{orderId}/shipments", GatewayPolicies.BuyerOrAdmin, Reads),
        Route("fulfillment-shipments-read", "fulfillment", "/api/fulfillment/shipments/{**rest}", GatewayPolicies.SellerOrAdmin, Reads),
        Route("fulfillment-shipments-write", "fulfillment", "/api/fulfillment/shipments/{**rest}", GatewayPolicies.SellerOrAdmin, rateLimit: GatewayRateLimits.Writes),

        // Identity guards its own admin endpoints; the token endpoint is throttled per IP against password guessing.
        // Identity writes absolute URLs (discovery's endpoints and key set, sign-in redirects) from the Host it sees:
        // the front door's, not its own internal address, which browsers and the storefront cannot reach.
        Route("identity", "identity", "/auth/{**rest}", GatewayPolicies.Anonymous, rateLimit: GatewayRateLimits.Auth)
            .WithTransformUseOriginalHostHeader(),

        .. Services.Keys.Select(service =>
            Route($"{service}-dead-letters", service, DeadLetterReplayPattern.Replace("{service}", service, StringComparison.Ordinal), GatewayPolicies.Admin, ["POST"])
                .WithTransformPathSet("/admin/dead-letters/replay")),
    ];

    /// <summary>A service's replay of its dead letters, published per service for the admins' page.</summary>
    public const string DeadLetterReplayPattern = "/admin/dead-letters/{service}/replay";

    /// <summary>The path of a service's OpenAPI document at the gateway, for the API reference.</summary>
    public const string ApiDocumentPattern = "/openapi/services/{documentName}.json";

    /// <summary>
    /// <c>GET /openapi/services/&lt;service&gt;.json</c> → the service's <c>/openapi/v1.json</c>: only where the API
    /// reference is served (run locally), so a deployed gateway publishes no map of its services.
    /// </summary>
    public static IEnumerable<RouteConfig> ApiDocumentRoutes() => Services.Keys.Select(service =>
        Route($"{service}-openapi", service, ApiDocumentPattern.Replace("{documentName}", service, StringComparison.Ordinal), GatewayPolicies.Anonymous, Reads)
            .WithTransformPathSet(OpenApiDefaults.DocumentPath));

    /// <summary>Name of a service's cleartext HTTP/2 endpoint, when the AppHost gives it one (see decisions).</summary>
    public const string H2cEndpointName = "h2c";

    /// <summary>
    /// One cluster per service, resolved by service discovery. Where the service offers an <c>h2c</c> endpoint the
    /// gateway speaks HTTP/2 to it: requests from many clients share a few multiplexed connections, so both ends batch
    /// their socket writes. Otherwise (deployed behind Container Apps' ingress) HTTP/1.1.
    /// </summary>
    public static IReadOnlyList<ClusterConfig> Clusters(IConfiguration configuration) => Services
        .Select(service =>
        {
            var h2c = configuration.GetSection($"services:{service.Value}:{H2cEndpointName}").GetChildren().Any();
            return new ClusterConfig
            {
                ClusterId = service.Key,
                Destinations = new Dictionary<string, DestinationConfig>
                {
                    // "http://<name>" is resolved by Aspire service discovery (services:<name>:http:0), "http://_h2c.<name>"
                    // to services:<name>:h2c:0.
                    [service.Key] = new() { Address = h2c ? $"http://_{H2cEndpointName}.{service.Value}" : $"http://{service.Value}" },
                },
                HttpRequest = h2c ? new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact } : null,
                // Kestrel allows 100 streams per connection; more concurrent requests than that open another connection.
                HttpClient = h2c ? new HttpClientConfig { EnableMultipleHttp2Connections = true } : null,
            };
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
