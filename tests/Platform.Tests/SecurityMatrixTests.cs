using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
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
public sealed class SecurityMatrixTests(PlatformFixture platform, ITestOutputHelper output)
{
    private enum Caller { Anonymous, Buyer, OtherBuyer, SellerA, SellerB, Admin, Expired, ForeignKey, AlgNone }

    private sealed record Row(string Name, HttpMethod Method, Func<string> Path, Func<JsonNode?>? Body, Dictionary<Caller, int[]> Expected);

    [Fact]
    public async Task EveryRouteAnswersEveryCallerAsExpected()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        var tokens = await TokensAsync();
        var reservation = await BuyerReservationAsync(tokens[Caller.Buyer], product);
        var a = PlatformIdentity.DemoSellerAId;

        Row[] rows =
        [
            Public("list products", HttpMethod.Get, "/api/catalog/products"),
            Public("product page", HttpMethod.Get, $"/api/catalog/products/{product.ProductId}"),
            Public("offer lookup", HttpMethod.Get, $"/api/catalog/skus/{product.SkuId}/offers/{a}"),
            Public("search", HttpMethod.Get, $"/api/search/products?q={product.Word}"),
            Public("availability", HttpMethod.Get, $"/api/inventory/availability/{product.SkuId}/{a}"),
            SellerAOwns("update A's product", HttpMethod.Put, $"/api/catalog/products/{product.ProductId}",
                () => CatalogToSearchTests.Product($"Trail runner {product.Word}"), ok: 200),
            SellerAOwns("set A's offer", HttpMethod.Put, $"/api/catalog/skus/{product.SkuId}/offers/{a}", () => new JsonObject { ["price"] = 99.90m }, ok: 200),
            SellerAOwns("set A's stock", HttpMethod.Put, $"/api/inventory/stock/{product.SkuId}/{a}", () => new JsonObject { ["onHand"] = 10 }, ok: 200),
            SellerAOwns("read A's stock", HttpMethod.Get, $"/api/inventory/stock/{product.SkuId}/{a}", null, ok: 200),
            new("create product", HttpMethod.Post, () => "/api/catalog/products", () => CatalogToSearchTests.Product($"Matrix {Guid.NewGuid():N}"),
                Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 201, sellerB: 201, admin: 403)),
            new("my cart", HttpMethod.Get, () => "/api/cart", null, Expect(anonymous: 401, buyer: 200, otherBuyer: 200, sellerA: 403, sellerB: 403, admin: 403)),
            new("buyer's reservation", HttpMethod.Get, () => $"/api/inventory/reservations/{reservation}", null,
                Expect(anonymous: 401, buyer: 200, otherBuyer: 404, sellerA: 403, sellerB: 403, admin: 200)),
            new("rebuild search", HttpMethod.Post, () => "/admin/search/rebuild", () => new JsonObject(), AdminOnly(200)),
            new("create a user", HttpMethod.Post, () => "/auth/users", () => new JsonObject
            {
                ["email"] = $"seller-{Guid.NewGuid():N}@example.test", ["password"] = "Correct-Horse-9", ["name"] = "New Seller",
                ["role"] = "seller", ["sellerId"] = Guid.NewGuid(),
            }, AdminOnly(201)),
            new("unmapped route", HttpMethod.Get, () => "/api/nothing-here", null, Everyone(404)),
            // A mapped route without a policy gets the fallback policy: closed to anonymous callers.
            new("mapped route without a policy", HttpMethod.Get, () => "/api/inventory/no-such-thing", null,
                Expect(anonymous: 401, buyer: 404, otherBuyer: 404, sellerA: 404, sellerB: 404, admin: 404)),
        ];

        var failures = new List<string>();
        foreach (var row in rows)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                using var request = new HttpRequestMessage(row.Method, row.Path());
                if (row.Body?.Invoke() is { } body)
                {
                    request.Content = JsonContent.Create(body);
                }

                if (tokens.TryGetValue(caller, out var token))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                using var gateway = platform.CreateHttpClient("gateway");
                using var response = await gateway.SendAsync(request);
                var status = (int)response.StatusCode;
                var expected = row.Expected[caller];
                output.WriteLine($"{row.Name,-32} {caller,-10} → {status}");
                if (!expected.Contains(status))
                {
                    failures.Add($"{row.Name} as {caller}: {status}, expected {string.Join(" or ", expected)}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
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

    private async Task<string> RegisteredBuyerAsync(HttpClient gateway)
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
            ["iss"] = issuer, ["aud"] = "aspireshop-api", ["sub"] = Guid.NewGuid().ToString(), ["role"] = "admin",
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

    private static Row Public(string name, HttpMethod method, string path) => new(name, method, () => path, null, Everyone(200));

    private static Row SellerAOwns(string name, HttpMethod method, string path, Func<JsonNode?>? body, int ok) =>
        new(name, method, () => path, body, Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: ok, sellerB: 403, admin: ok));

    private static Dictionary<Caller, int[]> AdminOnly(int ok) =>
        Expect(anonymous: 401, buyer: 403, otherBuyer: 403, sellerA: 403, sellerB: 403, admin: ok);

    private static Dictionary<Caller, int[]> Everyone(int status) =>
        Enum.GetValues<Caller>().ToDictionary(c => c, _ => new[] { status });

    /// <summary>Forged and expired tokens must fare exactly as no token at all.</summary>
    private static Dictionary<Caller, int[]> Expect(int anonymous, int buyer, int otherBuyer, int sellerA, int sellerB, int admin) => new()
    {
        [Caller.Anonymous] = [anonymous],
        [Caller.Buyer] = [buyer],
        [Caller.OtherBuyer] = [otherBuyer],
        [Caller.SellerA] = [sellerA],
        // Another seller may be told 403 or 404 (not revealing existence is fine); never 2xx.
        [Caller.SellerB] = sellerB == 403 ? [403, 404] : [sellerB],
        [Caller.Admin] = [admin],
        [Caller.Expired] = [anonymous],
        [Caller.ForeignKey] = [anonymous],
        [Caller.AlgNone] = [anonymous],
    };
}
