using AspireShop.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

PlatformInfrastructure platform;
try
{
    platform = builder.AddPlatformInfrastructure();
}
catch (InfrastructureConfigurationException ex)
{
    // One line that says what to do beats a stack trace from deep inside the app model.
    Console.Error.WriteLine($"AspireShop AppHost cannot start: {ex.Message}");
    return 2;
}

// A process that crashes is started again with backoff; one stopped on purpose stays stopped.
builder.AddResourceSupervisor();

var catalogDb = platform.AddDatabase("catalogdb");
var searchDb = platform.AddDatabase("searchdb");
var identityDb = platform.AddDatabase("identitydb");
var inventoryDb = platform.AddDatabase("inventorydb");
var orderingDb = platform.AddDatabase("orderingdb");
var paymentDb = platform.AddDatabase("paymentdb");
var fulfillmentDb = platform.AddDatabase("fulfillmentdb");
var sellerDb = platform.AddDatabase("sellerdb");

// Client secrets are generated once and kept in the AppHost's user secrets (dev) or asked for at deploy time (azd).
var cartSecret = builder.AddParameter("cart-client-secret", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
var dashboardSecret = builder.AddParameter("dashboard-client-secret", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
var providerApiKey = builder.AddParameter("payment-provider-api-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
var webhookSecret = builder.AddParameter("payment-webhook-secret", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
var storefrontKey = builder.AddParameter("storefront-gateway-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// The front door stays put across restarts (Gateway:Port, 0 for any free port): bookmarks, scripts and tokens, whose
// issuer is this URL, keep working.
var gatewayPort = builder.Configuration.GetValue("Gateway:Port", 8080);
var gateway = builder.AddProject<Projects.Gateway_API>("gateway", launchProfileName: null)
    .WithHttpEndpoint(port: builder.ExecutionContext.IsRunMode && gatewayPort != 0 ? gatewayPort : null, isProxied: false)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    // Gateway settings (e.g. Gateway:RateLimits) given to the AppHost flow to the gateway, so a benchmark can lift limits.
    .WithConfigurationSection(builder.Configuration, "Gateway")
    // The API reference (Scalar over every service's OpenAPI document) is for developers: run locally, never published.
    .WithEnvironment("Gateway__ApiReference", builder.ExecutionContext.IsRunMode ? "true" : "false")
    // The storefront proves itself with this key, so the gateway limits its shoppers by their own addresses.
    .WithEnvironment("Gateway__StorefrontKey", storefrontKey);

// Identity first: every other service validates its tokens, and the dashboard's admin commands sign in with it.
var identity = builder.AddService<Projects.Identity_API>("identity", identityDb)
    // Kafka for Seller's approvals, which grant the seller role.
    .WithPlatform(platform)
    // Tokens name the public front door as issuer, whether they were minted through the gateway or directly.
    .WithEnvironment("Identity__Issuer", ReferenceExpression.Create($"{gateway.GetEndpoint("http")}/auth/"))
    // Demo users (README) exist only when run locally; a deployment (azd, publish mode) starts with none.
    .WithEnvironment("Identity__SeedDemoUsers", builder.ExecutionContext.IsRunMode ? "true" : "false")
    .WithEnvironment("Identity__Clients__cart__Secret", cartSecret)
    .WithEnvironment("Identity__Clients__dashboard__Secret", dashboardSecret)
    .WithEnvironment("Identity__Clients__dashboard__Roles__0", "admin");
var admin = new DashboardAdmin(identity, dashboardSecret);
identity.WithDeadLetterReplay(admin);

var catalog = builder.AddService<Projects.Catalog_API>("catalog", catalogDb)
    .WithPlatform(platform)
    .WithReference(identity)
    .WithDeadLetterReplay(admin)
    .WithAdminCommand(admin, "/admin/catalog/seed", "Seed demo data", "seed-demo-data", "Create the deterministic demo catalog (sellers, ~10 000 products) if it is empty");

var search = builder.AddProject<Projects.Search_API>("search", launchProfileName: null)
    .WithServiceHttpEndpoint()
    .WithGatewayHttp2Endpoint()
    .WithPlatform(platform, searchDb)
    .WithReference(identity)
    // The snapshot for a rebuild is read from the catalog's tables, as Debezium's snapshot would.
    .WithReference(catalogDb, "catalogdb-snapshot")
    .WithDeadLetterReplay(admin)
    .WithAdminCommand(admin, "/admin/search/rebuild", "Rebuild search index", "rebuild-index", "Re-read the catalog tables into a fresh index, then resume the change stream");
if (platform.Search is { } elasticsearch)
{
    search.WithReference(elasticsearch, PlatformInfrastructure.SearchConnectionName).WaitFor(elasticsearch);
}

if (platform.DataDirectory is { } data)
{
    search.WithEnvironment("Search__IndexPath", Path.Combine(data, "search-index"));
}

var inventory = builder.AddService<Projects.Inventory_API>("inventory", inventoryDb)
    .WithPlatform(platform)
    // Every offer Catalog publishes gets a stock row; locally with demo stock so the seeded shop can sell.
    .WithEnvironment("Inventory__Demo__InitialStock", builder.ExecutionContext.IsRunMode ? "100" : "0")
    .WithReference(identity)
    .WithDeadLetterReplay(admin)
    .WithSlowSwitch();

var cart = builder.AddProject<Projects.Cart_API>("cart", launchProfileName: null)
    .WithServiceHttpEndpoint()
    .WithGatewayHttp2Endpoint()
    // Kafka for Catalog's change events, which keep the cart's offer cache fresh.
    .WithPlatform(platform)
    .WithDeadLetterReplay(admin)
    .WithReference(catalog)
    .WithReference(inventory)
    .WithReference(identity)
    .WithEnvironment("Identity__ClientId", "cart")
    .WithEnvironment("Identity__ClientSecret", cartSecret);

catalog.WithReference(inventory);

var payment = builder.AddService<Projects.Payment_API>("payment", paymentDb)
    .WithPlatform(platform)
    .WithReference(identity)
    .WithEnvironment("PaymentProvider__ApiKey", providerApiKey)
    .WithEnvironment("PaymentProvider__WebhookSecret", webhookSecret)
    .WithDeadLetterReplay(admin)
    .WithAdminCommand(admin, "/api/payments/needs-attention/retry", "Retry parked payments", "retry-parked-payments",
        "Charges and refunds the PaymentReconciler gave up on (needs attention) are asked about again");

if (builder.ExecutionContext.IsRunMode)
{
    // Run locally (either infrastructure mode), the provider is a Stripe-like stand-in with its own database; it lives
    // inside the platform, so its webhooks go straight to Payment rather than through the front door.
    var providerDb = platform.AddDatabase("providerdb");
    var paymentProvider = builder.AddProject<Projects.PaymentProvider>("payment-provider", launchProfileName: null)
        .WithServiceHttpEndpoint()
        .WithReference(providerDb).WaitFor(providerDb)
        .WithHttpHealthCheck("/health")
        .WithEnvironment("PaymentProvider__ApiKey", providerApiKey)
        .WithEnvironment("PaymentProvider__WebhookSecret", webhookSecret)
        .WithEnvironment("PaymentProvider__WebhookUrl", ReferenceExpression.Create($"{payment.GetEndpoint("http")}/api/payments/webhooks"))
        // Dashboard buttons that make the provider decline, stall, drop answers or throttle, and heal it again.
        .WithProviderFaultSwitches(providerApiKey);
    payment.WithReference(paymentProvider).WaitFor(paymentProvider);
}
else
{
    // Deployed, Payment talks to the real provider: its URL (and the key and webhook secret above) are asked at deploy time.
    payment.WithEnvironment("PaymentProvider__Url", builder.AddParameter("payment-provider-url"));
}

var ordering = builder.AddService<Projects.Ordering_API>("ordering", orderingDb)
    .WithPlatform(platform)
    .WithReference(identity)
    .WithReference(cart)
    .WithReference(catalog)
    .WithDeadLetterReplay(admin)
    .WithAdminCommand(admin, "/admin/orders/needs-attention/retry", "Retry parked orders", "retry-parked-orders",
        "Orders the saga timer parked (needs attention) have their step's command sent again");

// Onboarding: users apply, admins approve, and Identity grants the seller role by event.
var seller = builder.AddService<Projects.Seller_API>("seller", sellerDb)
    .WithPlatform(platform)
    .WithReference(identity)
    // The demo sellers Identity seeds get their seller profiles, locally only.
    .WithEnvironment("Seller__SeedDemoSellers", builder.ExecutionContext.IsRunMode ? "true" : "false")
    .WithDeadLetterReplay(admin);

// One shipment per seller of a confirmed order; sellers ship their own, buyers track theirs.
var fulfillment = builder.AddService<Projects.Fulfillment_API>("fulfillment", fulfillmentDb)
    .WithPlatform(platform)
    .WithReference(identity)
    .WithDeadLetterReplay(admin);

// The front door opens once what is behind it is up: no 502s for the first shopper after a start.
gateway
    .WithReference(identity).WaitFor(identity)
    .WithReference(catalog).WaitFor(catalog)
    .WithReference(search).WaitFor(search)
    .WithReference(inventory).WaitFor(inventory)
    .WithReference(cart).WaitFor(cart)
    .WithReference(ordering).WaitFor(ordering)
    .WithReference(payment).WaitFor(payment)
    .WithReference(fulfillment).WaitFor(fulfillment)
    .WithReference(seller).WaitFor(seller);

// The storefront: a backend-for-frontend that signs shoppers in with Identity (code + PKCE) and calls every API through
// the gateway with the user's token; its sessions (and the tokens in them) live in Redis, not in the browser.
var webAppPort = builder.Configuration.GetValue("WebApp:Port", 5080);
var webApp = builder.AddProject<Projects.WebApp>("webapp", launchProfileName: null)
    .WithHttpEndpoint(port: builder.ExecutionContext.IsRunMode && webAppPort != 0 ? webAppPort : null, isProxied: false)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithReference(platform.Redis, PlatformInfrastructure.RedisConnectionName).WaitFor(platform.Redis)
    .WithReference(gateway).WaitFor(gateway)
    .WithEnvironment("Identity__Authority", ReferenceExpression.Create($"{gateway.GetEndpoint("http")}/auth/"))
    .WithEnvironment("Storefront__GatewayKey", storefrontKey);
identity
    .WithEnvironment("Identity__Storefront__RedirectUris__0", ReferenceExpression.Create($"{webApp.GetEndpoint("http")}/signin-oidc"))
    .WithEnvironment("Identity__Storefront__PostLogoutRedirectUris__0", ReferenceExpression.Create($"{webApp.GetEndpoint("http")}/signout-callback-oidc"));

// Printed next to the dashboard's login link when the gateway is ready, which it is only after every service it routes to.
builder.Eventing.Subscribe<ResourceReadyEvent>(gateway.Resource, (_, _) =>
{
    Console.WriteLine($"AspireShop is ready at {gateway.GetEndpoint("http").Url} (the gateway; API reference at /scalar/)");
    return Task.CompletedTask;
});
builder.Eventing.Subscribe<ResourceReadyEvent>(webApp.Resource, (_, _) =>
{
    Console.WriteLine($"The storefront is open at {webApp.GetEndpoint("http").Url}");
    return Task.CompletedTask;
});

builder.Build().Run();
return 0;
