using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Xunit.Abstractions;

namespace AspireShop.Platform.Tests;

/// <summary>
/// Every public route × every kind of caller, through the gateway: the expected status, and never a 2xx on another
/// seller's or buyer's object. Tokens are real (Identity), or forged the ways attackers forge them.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class SecurityMatrixTests(PlatformFixture platform, ITestOutputHelper output)
{
    /// <summary>Applicant: a user whose application to sell is pending, so still only a buyer.</summary>
    private enum Caller { Anonymous, Buyer, OtherBuyer, Applicant, SellerA, SellerB, Admin, Expired, ForeignKey, AlgNone }

    /// <summary>One call per caller in <see cref="Expected"/>; <see cref="Route"/> is the operation it covers, as the services document it.</summary>
    private sealed record Row(string Name, HttpMethod Method, Func<string> Path, Func<JsonNode?>? Body, Dictionary<Caller, int[]> Expected)
    {
        public string? Route { get; init; }

        public Row For(string route) => this with { Route = route };
    }

    [Fact]
    public async Task EveryRouteAnswersEveryCallerAsExpected()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        var tokens = await TokensAsync();
        var reservation = await BuyerReservationAsync(tokens[Caller.Buyer], product);
        var order = await BuyerOrderAsync(tokens[Caller.Buyer]);
        var shipped = await BuyerConfirmedOrderAsync(tokens[Caller.Buyer], product);
        var shipment = await ShipmentOfAsync(tokens[Caller.Buyer], shipped);
        var application = await ApplyToSellAsync(tokens[Caller.Applicant]);
        var a = PlatformIdentity.DemoSellerAId;

        var (x, y) = (Guid.NewGuid(), Guid.NewGuid());
        Row[] rows =
        [
            Public("list products", HttpMethod.Get, "/api/catalog/products").For("GET /api/catalog/products"),
            Public("product page", HttpMethod.Get, $"/api/catalog/products/{product.ProductId}").For("GET /api/catalog/products/{id}"),
            Public("offer lookup", HttpMethod.Get, $"/api/catalog/skus/{product.SkuId}/offers/{a}").For("GET /api/catalog/skus/{skuId}/offers/{sellerId}"),
            Public("search", HttpMethod.Get, $"/api/search/products?q={product.Word}").For("GET /api/search/products"),
            Public("availability", HttpMethod.Get, $"/api/inventory/availability/{product.SkuId}/{a}").For("GET /api/inventory/availability/{skuId}/{sellerId}"),
            SellerAOwns("update A's product", HttpMethod.Put, $"/api/catalog/products/{product.ProductId}",
                () => CatalogToSearchTests.Product($"Trail runner {product.Word}"), ok: 200).For("PUT /api/catalog/products/{id}"),
            SellerAOwns("set A's offer", HttpMethod.Put, $"/api/catalog/skus/{product.SkuId}/offers/{a}", () => new JsonObject { ["price"] = 99.90m }, ok: 200)
                .For("PUT /api/catalog/skus/{skuId}/offers/{sellerId}"),
            SellerAOwns("set A's stock", HttpMethod.Put, $"/api/inventory/stock/{product.SkuId}/{a}", () => new JsonObject { ["onHand"] = 10 }, ok: 200)
                .For("PUT /api/inventory/stock/{skuId}/{sellerId}"),
            SellerAOwns("read A's stock", HttpMethod.Get, $"/api/inventory/stock/{product.SkuId}/{a}", null, ok: 200).For("GET /api/inventory/stock/{skuId}/{sellerId}"),
            new Row("create product", HttpMethod.Post, () => "/api/catalog/products", () => CatalogToSearchTests.Product($"Matrix {Guid.NewGuid():N}"),
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 201, sellerB: 201, admin: 403)).For("POST /api/catalog/products"),
            new Row("my cart", HttpMethod.Get, () => "/api/cart", null, Expect(anonymous: 401, buyer: 200, otherBuyer: 200, sellerA: 403, sellerB: 403, admin: 403))
                .For("GET /api/cart"),
            new Row("buyer's reservation", HttpMethod.Get, () => $"/api/inventory/reservations/{reservation}", null,
                Expect(anonymous: 401, buyer: 200, otherBuyer: 404, sellerA: 403, sellerB: 403, admin: 200)).For("GET /api/inventory/reservations/{id}"),
            new Row("rebuild search", HttpMethod.Post, () => "/admin/search/rebuild", () => new JsonObject(), AdminOnly(200)).For("POST /admin/search/rebuild"),
            new Row("create a user", HttpMethod.Post, () => "/auth/users", () => new JsonObject
            {
                ["email"] = $"seller-{Guid.NewGuid():N}@example.test", ["password"] = "Correct-Horse-9", ["name"] = "New Seller",
                ["role"] = "seller", ["sellerId"] = Guid.NewGuid(),
            }, AdminOnly(201)).For("POST /auth/users"),

            // Closed rows: only the callers the policy refuses are sent (before any handler runs, so nothing changes).
            Closed("delete A's product", HttpMethod.Delete, $"/api/catalog/products/{x}", Caller.SellerA, Caller.SellerB, Caller.Admin).For("DELETE /api/catalog/products/{id}"),
            Closed("withdraw an offer", HttpMethod.Delete, $"/api/catalog/skus/{x}/offers/{y}", Caller.SellerA, Caller.SellerB, Caller.Admin)
                .For("DELETE /api/catalog/skus/{skuId}/offers/{sellerId}"),
            Closed("seed the catalog", HttpMethod.Post, "/admin/catalog/seed", Caller.Admin).For("POST /admin/catalog/seed"),
            Closed("adjust stock", HttpMethod.Post, $"/api/inventory/stock/{x}/{y}/adjustments", Caller.SellerA, Caller.SellerB, Caller.Admin)
                .For("POST /api/inventory/stock/{skuId}/{sellerId}/adjustments"),
            Closed("open a flash sale", HttpMethod.Post, "/api/inventory/flash-sales", Caller.SellerA, Caller.SellerB, Caller.Admin).For("POST /api/inventory/flash-sales"),
            // A sale's counters are public (the product page shows what is left): an unknown sale is 404 for everyone.
            new Row("read a flash sale", HttpMethod.Get, () => $"/api/inventory/flash-sales/{x}", null, Everyone(404)).For("GET /api/inventory/flash-sales/{id}"),
            Closed("close a flash sale", HttpMethod.Post, $"/api/inventory/flash-sales/{x}/close", Caller.SellerA, Caller.SellerB, Caller.Admin)
                .For("POST /api/inventory/flash-sales/{id}/close"),
            Closed("hold stock", HttpMethod.Post, "/api/inventory/reservations", Caller.Buyer, Caller.OtherBuyer, Caller.Admin).For("POST /api/inventory/reservations"),
            // Asking about (or undoing) a reserve by its key: a buyer about its own, a service or admin naming the holder.
            new Row("find a hold by its key", HttpMethod.Get, () => $"/api/inventory/reservations?skuId={x}&sellerId={y}&idempotencyKey=k-{x:N}", null,
                Expect(anonymous: 401, buyer: 404, otherBuyer: 404, sellerA: 403, sellerB: 403, admin: 400)).For("GET /api/inventory/reservations"),
            new Row("release a hold by its key", HttpMethod.Delete, () => $"/api/inventory/reservations?skuId={x}&sellerId={y}&idempotencyKey=k-{x:N}", null,
                Expect(anonymous: 401, buyer: 204, otherBuyer: 204, sellerA: 403, sellerB: 403, admin: 400)).For("DELETE /api/inventory/reservations"),
            Closed("resize a hold", HttpMethod.Put, $"/api/inventory/reservations/{x}", Caller.Buyer, Caller.OtherBuyer, Caller.Admin).For("PUT /api/inventory/reservations/{id}"),
            Closed("release a hold", HttpMethod.Delete, $"/api/inventory/reservations/{x}", Caller.Buyer, Caller.OtherBuyer, Caller.Admin).For("DELETE /api/inventory/reservations/{id}"),
            // Turning a hold into a sale is the OrderSaga's job: a buyer confirming its own hold would take stock unpaid.
            Closed("confirm a hold", HttpMethod.Post, $"/api/inventory/reservations/{reservation}/confirm").For("POST /api/inventory/reservations/{id}/confirm"),
            Closed("add to cart", HttpMethod.Post, "/api/cart/items", Caller.Buyer, Caller.OtherBuyer).For("POST /api/cart/items"),
            Closed("change a cart line", HttpMethod.Put, $"/api/cart/items/{x}/{y}", Caller.Buyer, Caller.OtherBuyer).For("PUT /api/cart/items/{skuId}/{sellerId}"),
            Closed("remove a cart line", HttpMethod.Delete, $"/api/cart/items/{x}/{y}", Caller.Buyer, Caller.OtherBuyer).For("DELETE /api/cart/items/{skuId}/{sellerId}"),
            Closed("re-hold a cart line", HttpMethod.Post, $"/api/cart/items/{x}/{y}/hold", Caller.Buyer, Caller.OtherBuyer).For("POST /api/cart/items/{skuId}/{sellerId}/hold"),
            // Orders: a buyer's own (admins read any), 404 for anyone else's; placing needs an Idempotency-Key (400 without).
            new Row("place an order", HttpMethod.Post, () => "/api/orders", () => new JsonObject(),
                Expect(anonymous: 401, buyer: 400, otherBuyer: 400, sellerA: 403, sellerB: 403, admin: 403)).For("POST /api/orders"),
            new Row("my orders", HttpMethod.Get, () => "/api/orders", null,
                Expect(anonymous: 401, buyer: 200, otherBuyer: 200, sellerA: 403, sellerB: 403, admin: 200)).For("GET /api/orders"),
            new Row("buyer's order", HttpMethod.Get, () => $"/api/orders/{order}", null,
                Expect(anonymous: 401, buyer: 200, otherBuyer: 404, sellerA: 403, sellerB: 403, admin: 200)).For("GET /api/orders/{id}"),
            new Row("buyer's order events", HttpMethod.Get, () => $"/api/orders/{order}/events", null,
                Expect(anonymous: 401, buyer: 200, otherBuyer: 404, sellerA: 403, sellerB: 403, admin: 200)).For("GET /api/orders/{id}/events"),
            new Row("cancel someone's order", HttpMethod.Post, () => $"/api/orders/{order}/cancel", null,
                Expect(anonymous: 401, buyer: 409, otherBuyer: 404, sellerA: 403, sellerB: 403, admin: 403)).For("POST /api/orders/{id}/cancel"),
            // The provider's webhooks carry no token but a signature: an unsigned one is refused, whoever sends it.
            new Row("unsigned payment webhook", HttpMethod.Post, () => "/api/payments/webhooks", () => new JsonObject(), Everyone(400)).For("POST /api/payments/webhooks"),
            new Row("an order's payment", HttpMethod.Get, () => $"/api/payments/orders/{order}", null, AdminOnly(200)).For("GET /api/payments/orders/{orderId}"),
            new Row("parked orders", HttpMethod.Get, () => "/admin/orders/needs-attention", null, AdminOnly(200)).For("GET /admin/orders/needs-attention"),
            new Row("retry parked orders", HttpMethod.Post, () => "/admin/orders/needs-attention/retry", null, AdminOnly(200)).For("POST /admin/orders/needs-attention/retry"),
            new Row("parked payments", HttpMethod.Get, () => "/api/payments/needs-attention", null, AdminOnly(200)).For("GET /api/payments/needs-attention"),
            new Row("retry parked payments", HttpMethod.Post, () => "/api/payments/needs-attention/retry", null, AdminOnly(200)).For("POST /api/payments/needs-attention/retry"),

            // Shipments: seller A's own (admins any), 404 for seller B; a buyer reads its own order's. The moves run in order,
            // so A's second caller (the admin) repeats a move already made (200, same state) and cancel comes after shipping.
            new Row("my shipments", HttpMethod.Get, () => "/api/fulfillment/shipments", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 200, admin: 200)).For("GET /api/fulfillment/shipments"),
            new Row("A's shipment", HttpMethod.Get, () => $"/api/fulfillment/shipments/{shipment}", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 404, admin: 200)).For("GET /api/fulfillment/shipments/{id}"),
            new Row("an order's shipments", HttpMethod.Get, () => $"/api/fulfillment/orders/{shipped}/shipments", null,
                Expect(anonymous: 401, buyer: 200, otherBuyer: 404, sellerA: 403, sellerB: 403, admin: 200)).For("GET /api/fulfillment/orders/{orderId}/shipments"),
            new Row("pack A's shipment", HttpMethod.Post, () => $"/api/fulfillment/shipments/{shipment}/pack", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 404, admin: 200)).For("POST /api/fulfillment/shipments/{id}/pack"),
            new Row("ship A's shipment", HttpMethod.Post, () => $"/api/fulfillment/shipments/{shipment}/ship",
                () => new JsonObject { ["carrier"] = "DHL", ["trackingNumber"] = "JD014600006281230701" },
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 404, admin: 200)).For("POST /api/fulfillment/shipments/{id}/ship"),
            new Row("deliver A's shipment", HttpMethod.Post, () => $"/api/fulfillment/shipments/{shipment}/deliver", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 404, admin: 200)).For("POST /api/fulfillment/shipments/{id}/deliver"),
            new Row("cancel A's delivered shipment", HttpMethod.Post, () => $"/api/fulfillment/shipments/{shipment}/cancel", () => new JsonObject { ["reason"] = "out of stock" },
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 409, sellerB: 404, admin: 409)).For("POST /api/fulfillment/shipments/{id}/cancel"),

            // Selling: any signed-in user may apply (an empty form is refused before anything is written); an application is
            // its applicant's and the admins'; only admins decide; a profile is its seller's and the admins'.
            new Row("apply to sell (empty form)", HttpMethod.Post, () => "/api/sellers/applications", () => new JsonObject(),
                Expect(anonymous: 401, buyer: 400, otherBuyer: 400, sellerA: 400, sellerB: 400, admin: 400)).For("POST /api/sellers/applications"),
            new Row("my applications", HttpMethod.Get, () => "/api/sellers/applications/mine", null, Real(anonymous: 401, ok: 200))
                .For("GET /api/sellers/applications/mine"),
            new Row("an applicant's application", HttpMethod.Get, () => $"/api/sellers/applications/{application}", null,
                Expect(anonymous: 401, buyer: 404, otherBuyer: 404, sellerA: 404, sellerB: 404, admin: 200, applicant: 200)).For("GET /api/sellers/applications/{id}"),
            new Row("pending applications", HttpMethod.Get, () => "/api/sellers/applications?status=pending", null, AdminOnly(200))
                .For("GET /api/sellers/applications"),
            new Row("approve an unknown application", HttpMethod.Post, () => $"/api/sellers/applications/{x}/approve", () => new JsonObject(), AdminOnly(404))
                .For("POST /api/sellers/applications/{id}/approve"),
            new Row("reject an unknown application", HttpMethod.Post, () => $"/api/sellers/applications/{x}/reject", () => new JsonObject { ["reason"] = "incomplete" }, AdminOnly(404))
                .For("POST /api/sellers/applications/{id}/reject"),
            new Row("my seller profile", HttpMethod.Get, () => "/api/sellers/me", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 200, admin: 403)).For("GET /api/sellers/me"),
            new Row("update my seller profile (empty form)", HttpMethod.Put, () => "/api/sellers/me", () => new JsonObject(),
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 400, sellerB: 400, admin: 403)).For("PUT /api/sellers/me"),
            new Row("all sellers", HttpMethod.Get, () => "/api/sellers", null, AdminOnly(200)).For("GET /api/sellers"),
            new Row("A's seller profile", HttpMethod.Get, () => $"/api/sellers/{a}", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 404, admin: 200)).For("GET /api/sellers/{id}"),
            new Row("A's public profile", HttpMethod.Get, () => $"/api/sellers/{a}/public", null, Everyone(200)).For("GET /api/sellers/{id}/public"),
            // Payouts: a seller's own balance and statements (admins any), 404 for another seller; the trial balance is the admins'.
            new Row("my payout balance", HttpMethod.Get, () => "/api/sellers/me/balance", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 200, admin: 403)).For("GET /api/sellers/me/balance"),
            new Row("my payout statement", HttpMethod.Get, () => "/api/sellers/me/statements", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 200, admin: 403)).For("GET /api/sellers/me/statements"),
            new Row("A's payout balance", HttpMethod.Get, () => $"/api/sellers/{a}/balance", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 404, admin: 200)).For("GET /api/sellers/{id}/balance"),
            new Row("A's payout statement", HttpMethod.Get, () => $"/api/sellers/{a}/statements", null,
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 200, sellerB: 404, admin: 200)).For("GET /api/sellers/{id}/statements"),
            new Row("the ledger's trial balance", HttpMethod.Get, () => "/api/sellers/ledger/trial-balance", null, AdminOnly(200))
                .For("GET /api/sellers/ledger/trial-balance"),
            new Row("the ledger's parked refunds", HttpMethod.Get, () => "/api/sellers/ledger/parked-refunds", null, AdminOnly(200))
                .For("GET /api/sellers/ledger/parked-refunds"),
            new Row("set an unknown seller's commission", HttpMethod.Put, () => $"/api/sellers/{x}/commission", () => new JsonObject { ["commissionBasisPoints"] = 800 }, AdminOnly(404))
                .For("PUT /api/sellers/{id}/commission"),

            // Each service's replay is published under its name, for the admins' page; the bare path is not.
            new Row("replay dead letters", HttpMethod.Post, () => "/admin/dead-letters/replay", null, Everyone(404)).For("POST /admin/dead-letters/replay"),
            new Row("replay catalog's dead letters", HttpMethod.Post, () => "/admin/dead-letters/catalog/replay", null, AdminOnly(200)),

            // Identity's own protocol endpoints: the gateway passes /auth/** through, Identity decides.
            new Row("token without a grant", HttpMethod.Post, () => "/auth/connect/token", null, Everyone(400)).For("POST /auth/connect/token"),
            new Row("authorize without a request", HttpMethod.Get, () => "/auth/connect/authorize", null, Everyone(400)).For("GET /auth/connect/authorize"),
            new Row("authorize (form post) without a request", HttpMethod.Post, () => "/auth/connect/authorize", null, Everyone(400)).For("POST /auth/connect/authorize"),
            new Row("userinfo", HttpMethod.Get, () => "/auth/connect/userinfo", null, Real(anonymous: 401, ok: 200)).For("GET /auth/connect/userinfo"),
            // A POST without a form is malformed before any token is looked at.
            new Row("userinfo (post without a form)", HttpMethod.Post, () => "/auth/connect/userinfo", null, Everyone(400)).For("POST /auth/connect/userinfo"),
            new Row("sign-in page", HttpMethod.Get, () => "/auth/account/login", null, Everyone(200)).For("GET /auth/account/login"),
            // The endpoint accepts only a form: a JSON body is the wrong media type, whoever sends it.
            new Row("sign-in without a form", HttpMethod.Post, () => "/auth/account/login", () => new JsonObject(), Everyone(415)).For("POST /auth/account/login"),
            new Row("register without a body", HttpMethod.Post, () => "/auth/register", () => new JsonObject(), Everyone(400)).For("POST /auth/register"),
            new Row("someone's user record", HttpMethod.Get, () => $"/auth/users/{x}", null, Expect(anonymous: 401, buyer: 404, otherBuyer: 404, sellerA: 404, sellerB: 404, admin: 404))
                .For("GET /auth/users/{id}"),

            new Row("unmapped route", HttpMethod.Get, () => "/api/nothing-here", null, Everyone(404)),
            // A mapped route without a policy gets the fallback policy: closed to anonymous callers.
            new Row("mapped route without a policy", HttpMethod.Get, () => "/api/inventory/no-such-thing", null,
                Expect(anonymous: 401, buyer: 404, otherBuyer: 404, sellerA: 404, sellerB: 404, admin: 404)),
        ];

        // The route list comes from the services themselves (their documents cover every mapped route, which each
        // service's own tests check), so a new route without a row fails here.
        var documented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var service in platform.ApiNames())
        {
            using var client = platform.CreateHttpClient(service);
            documented.UnionWith(await OpenApiCoverage.DocumentedAsync(client));
        }

        var covered = rows.Select(r => r.Route).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var uncovered = documented.Where(route => !covered.Contains(route)).ToList();
        Assert.True(uncovered.Count == 0, $"Routes without a row in the security matrix:\n{string.Join('\n', uncovered)}");

        var failures = new List<string>();
        foreach (var row in rows)
        {
            foreach (var (caller, expected) in row.Expected)
            {
                tokens.TryGetValue(caller, out var token);
                using var response = await SendAsync(row, token);
                var status = (int)response.StatusCode;
                output.WriteLine($"{row.Name,-32} {caller,-10} → {status}");
                if (!expected.Contains(status))
                {
                    failures.Add($"{row.Name} as {caller}: {status}, expected {string.Join(" or ", expected)}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>
    /// The gateway's policy table and the services' endpoint metadata agree: every documented operation answers an
    /// anonymous caller through the gateway exactly as the service itself answers it (a public route is public at the
    /// front door, a closed one closed), except the routes the gateway deliberately does not publish (404 there).
    /// </summary>
    [Fact]
    public async Task TheGatewayAnswersAnonymousCallersAsEachServiceDoes()
    {
        string[] notPublished = ["POST /admin/dead-letters/replay"];
        var disagreements = new List<string>();
        foreach (var service in platform.ApiNames())
        {
            using var direct = platform.CreateHttpClient(service);
            foreach (var operation in await OpenApiCoverage.DocumentedAsync(direct))
            {
                var (method, template) = (operation[..operation.IndexOf(' ', StringComparison.Ordinal)], operation[(operation.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
                var path = PathParameter().Replace(template, _ => Guid.NewGuid().ToString());
                var row = new Row(operation, new HttpMethod(method), () => path, method is "POST" or "PUT" ? () => new JsonObject() : null, new());
                using var atService = await SendAsync(direct, row, token: null);
                using var gateway = platform.CreateHttpClient("gateway");
                using var atGateway = await SendAsync(gateway, row, token: null);
                var expected = notPublished.Contains(operation) ? HttpStatusCode.NotFound : atService.StatusCode;
                output.WriteLine($"{operation,-60} service {(int)atService.StatusCode} gateway {(int)atGateway.StatusCode}");
                if (atGateway.StatusCode != expected)
                {
                    disagreements.Add($"{operation}: the service answers {(int)atService.StatusCode}, the gateway {(int)atGateway.StatusCode}");
                }
            }
        }

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex PathParameter();

    private async Task<HttpResponseMessage> SendAsync(Row row, string? token)
    {
        using var gateway = platform.CreateHttpClient("gateway");
        return await SendAsync(gateway, row, token);
    }

    /// <summary>
    /// Sends the row's request as a well-behaved client: a 429 (the gateway's write and sign-in budgets are per caller,
    /// and the matrix is a burst) is waited out for its Retry-After and sent again, so what is judged is the real answer.
    /// </summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, Row row, string? token)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(row.Method, row.Path());
            if (row.Body?.Invoke() is { } body)
            {
                request.Content = JsonContent.Create(body);
            }

            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == 20)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait);
        }
    }

    [Fact]
    public async Task ABurstOfCartWritesIsThrottledWithRetryAfterWhileOthersCarryOn()
    {
        using var gateway = platform.CreateHttpClient("gateway");
        var bot = await RegisteredBuyerAsync(gateway);
        var shopper = await RegisteredBuyerAsync(gateway);
        using var botClient = platform.CreateHttpClient("gateway", bot);
        using var shopperClient = platform.CreateHttpClient("gateway", shopper);

        // Invalid lines are cheap for the cart (400) but still count against the bot's write budget.
        var burst = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => botClient.PostAsJsonAsync("/api/cart/items", new { quantity = 0 })));
        var throttled = burst.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(throttled);
        Assert.All(throttled, r => Assert.True(r.Headers.RetryAfter?.Delta is { } wait && wait >= TimeSpan.FromSeconds(1), "429 without Retry-After"));

        using var other = await shopperClient.GetAsync("/api/cart");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        foreach (var response in burst)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task TheStorefrontsShoppersAreLimitedByTheirOwnAddressesWhichNobodyElseCanClaim()
    {
        var key = await platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>().Single(p => p.Name == "storefront-gateway-key").GetValueAsync(default);
        using var gateway = platform.CreateHttpClient("gateway");

        // Sign-in traffic is limited per address (burst 30): one shopper behind the storefront runs out of it ...
        var burst = await Task.WhenAll(Enumerable.Range(0, 45).Select(_ => DiscoveryAsync(gateway, key, "203.0.113.7")));
        Assert.Contains(HttpStatusCode.TooManyRequests, burst);
        // ... while the next shopper behind the same storefront still gets in,
        Assert.Equal(HttpStatusCode.OK, await DiscoveryAsync(gateway, key, "203.0.113.8"));
        // and a caller without the storefront's key cannot pose as the first shopper's address to dodge its own limit.
        var spoofed = await Task.WhenAll(Enumerable.Range(0, 45).Select(_ => DiscoveryAsync(gateway, key: "not-the-key-0123456789", $"198.51.100.{Random.Shared.Next(1, 250)}")));
        Assert.Contains(HttpStatusCode.TooManyRequests, spoofed);

        // The runner's own sign-in budget refills before the next test signs anyone in through the gateway.
        await Poll.UntilAsync(() => DiscoveryAsync(gateway, key: null, "198.51.100.1"), status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), status => $"discovery still {status}", TimeSpan.FromSeconds(1));
    }

    private static async Task<HttpStatusCode> DiscoveryAsync(HttpClient gateway, string? key, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/.well-known/openid-configuration");
        if (key is not null)
        {
            request.Headers.Add("X-AspireShop-Storefront", key);
        }

        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await gateway.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<string> RegisteredBuyerAsync(HttpClient gateway)
    {
        var (email, password) = await PlatformIdentity.RegisterBuyerAsync(gateway);
        return await PlatformIdentity.PasswordTokenAsync(gateway, email, password);
    }

    private async Task<Dictionary<Caller, string>> TokensAsync()
    {
        using var gateway = platform.CreateHttpClient("gateway");
        var tokens = new Dictionary<Caller, string>
        {
            [Caller.Buyer] = await RegisteredBuyerAsync(gateway),
            [Caller.OtherBuyer] = await RegisteredBuyerAsync(gateway),
            [Caller.Applicant] = await RegisteredBuyerAsync(gateway),
            [Caller.SellerA] = await platform.TokenAsync(PlatformIdentity.DemoSellerA),
            [Caller.SellerB] = await platform.TokenAsync(PlatformIdentity.DemoSellerB),
            [Caller.Admin] = await platform.TokenAsync(PlatformIdentity.DemoAdmin),
        };

        // Forgeries carry an admin's claims, so any acceptance would show as a 2xx where 401 belongs.
        var issuer = await IssuerAsync();
        var (keyId, pem) = await SigningKeyAsync();
        using var realKey = RSA.Create();
        realKey.ImportFromPem(pem);
        tokens[Caller.Expired] = Forge(issuer, new RsaSecurityKey(realKey.ExportParameters(true)) { KeyId = keyId }, expired: true);
        tokens[Caller.ForeignKey] = Forge(issuer, new RsaSecurityKey(RSA.Create(2048)) { KeyId = keyId }, expired: false);
        tokens[Caller.AlgNone] = AlgNone(issuer);
        return tokens;
    }

    private static string Forge(string issuer, SecurityKey key, bool expired)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = "aspireshop-api",
            Claims = AdminClaims(),
            IssuedAt = expired ? now.AddHours(-2) : now,
            NotBefore = expired ? now.AddHours(-2) : now,
            Expires = expired ? now.AddHours(-1) : now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    private static string AlgNone(string issuer)
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var claims = new JsonObject
        {
            ["iss"] = issuer,
            ["aud"] = "aspireshop-api",
            ["sub"] = Guid.NewGuid().ToString(),
            ["role"] = "admin",
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds(),
        };
        return $"{header}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(claims.ToJsonString()))}.";
    }

    private static Dictionary<string, object> AdminClaims() => new()
    {
        ["sub"] = Guid.NewGuid().ToString(),
        ["role"] = "admin",
    };

    private async Task<string> IssuerAsync()
    {
        using var identity = platform.CreateHttpClient("identity");
        var discovery = await identity.GetFromJsonAsync<JsonObject>("/auth/.well-known/openid-configuration");
        return discovery!["issuer"]!.GetValue<string>();
    }

    private async Task<(string KeyId, string Pem)> SigningKeyAsync()
    {
        await using var connection = new NpgsqlConnection(await platform.GetConnectionStringAsync("identitydb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT key_id, private_key_pem FROM signing_keys WHERE use = 'sig' ORDER BY created_at DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "Identity has no signing key");
        return (reader.GetString(0), reader.GetString(1));
    }

    private async Task<Guid> BuyerReservationAsync(string buyerToken, StorefrontProduct product)
    {
        using var buyer = platform.CreateHttpClient("gateway", buyerToken);
        using var added = await buyer.PostAsJsonAsync("/api/cart/items", new { skuId = product.SkuId, sellerId = PlatformIdentity.DemoSellerAId, quantity = 1 });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        var cart = (await buyer.GetFromJsonAsync<JsonObject>("/api/cart"))!;
        return cart["lines"]![0]!["reservationId"]!.GetValue<Guid>();
    }

    /// <summary>The applicant's pending application to sell.</summary>
    private async Task<Guid> ApplyToSellAsync(string applicantToken)
    {
        using var applicant = platform.CreateHttpClient("gateway", applicantToken);
        using var applied = await applicant.PostAsJsonAsync("/api/sellers/applications",
            new { businessName = "Matrix Traders", contactEmail = "matrix@example.test", payoutAccount = "DE89370400440532013000" });
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());
        return (await applied.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
    }

    /// <summary>Seller A's shipment of the buyer's order, once Fulfillment has made it from OrderConfirmed.</summary>
    private async Task<Guid> ShipmentOfAsync(string buyerToken, Guid order)
    {
        using var buyer = platform.CreateHttpClient("gateway", buyerToken);
        var shipments = await Poll.UntilAsync(
            async () =>
            {
                using var response = await buyer.GetAsync($"/api/fulfillment/orders/{order}/shipments");
                return response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonObject>())!["shipments"]!.AsArray() : null;
            },
            found => found is { Count: > 0 },
            TimeSpan.FromSeconds(30),
            _ => $"no shipment of order {order}");
        return shipments![0]!["id"]!.GetValue<Guid>();
    }

    /// <summary>An order of the buyer for one unit of seller A's offer, confirmed: Fulfillment makes A's shipment of it.</summary>
    private async Task<Guid> BuyerConfirmedOrderAsync(string buyerToken, StorefrontProduct product)
    {
        using var buyer = platform.CreateHttpClient("gateway", buyerToken);
        await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerAId);
        var id = await Checkout.PlaceAcceptedAsync(buyer);
        await Checkout.WaitForStatusAsync(buyer, id, "CONFIRMED");
        return id;
    }

    /// <summary>An order of the buyer, placed, paid and then cancelled (FAILED): at rest, so its event stream ends at once.</summary>
    private async Task<Guid> BuyerOrderAsync(string buyerToken)
    {
        using var buyer = platform.CreateHttpClient("gateway", buyerToken);
        var id = await Checkout.PlaceAcceptedAsync(buyer);
        await Checkout.WaitForStatusAsync(buyer, id, "CONFIRMED");
        using var cancel = await buyer.PostAsync($"/api/orders/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await Checkout.WaitForStatusAsync(buyer, id, "FAILED");
        return id;
    }

    private static Row Public(string name, HttpMethod method, string path) => new(name, method, () => path, null, Everyone(200));

    private static Row SellerAOwns(string name, HttpMethod method, string path, Func<JsonNode?>? body, int ok) =>
        new(name, method, () => path, body, Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: ok, sellerB: 403, admin: ok));

    /// <summary>Every caller but <paramref name="allowed"/>: no or bad token → 401, the wrong role → 403.</summary>
    private static Row Closed(string name, HttpMethod method, string path, params Caller[] allowed) =>
        new(name, method, () => path, () => new JsonObject(), Enum.GetValues<Caller>().Except(allowed.Contains(Caller.OtherBuyer) ? [.. allowed, Caller.Applicant] : allowed).ToDictionary(
            c => c,
            c => c is Caller.Anonymous or Caller.Expired or Caller.ForeignKey or Caller.AlgNone ? Unauthorized : Forbidden));

    private static readonly int[] Unauthorized = [401];
    private static readonly int[] Forbidden = [403];

    /// <summary>Any real token <paramref name="ok"/>; none or a forged one <paramref name="anonymous"/>.</summary>
    private static Dictionary<Caller, int[]> Real(int anonymous, int ok) =>
        Expect(anonymous, buyer: ok, otherBuyer: ok, sellerA: ok, sellerB: ok, admin: ok);

    private static Dictionary<Caller, int[]> AdminOnly(int ok) =>
        Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 403, sellerB: 403, admin: ok);

    private static Dictionary<Caller, int[]> Everyone(int status) =>
        Enum.GetValues<Caller>().ToDictionary(c => c, _ => new[] { status });

    /// <summary>Forged and expired tokens must fare exactly as no token at all.</summary>
    /// <summary>The applicant is another buyer unless <paramref name="applicant"/> says otherwise.</summary>
    private static Dictionary<Caller, int[]> Expect(int anonymous, int buyer, int otherBuyer, int sellerA, int sellerB, int admin, int? applicant = null) => new()
    {
        [Caller.Anonymous] = [anonymous],
        [Caller.Buyer] = [buyer],
        [Caller.OtherBuyer] = [otherBuyer],
        [Caller.Applicant] = [applicant ?? otherBuyer],
        [Caller.SellerA] = [sellerA],
        // Another seller may be told 403 or 404 (not revealing existence is fine); never 2xx.
        [Caller.SellerB] = sellerB == 403 ? [403, 404] : [sellerB],
        [Caller.Admin] = [admin],
        [Caller.Expired] = [anonymous],
        [Caller.ForeignKey] = [anonymous],
        [Caller.AlgNone] = [anonymous],
    };
}
