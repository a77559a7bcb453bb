using System.Net.Http.Json;
using System.Security.Cryptography;
using AspireShop.Seller.API.Apis;
using AspireShop.TestKit;
using Microsoft.IdentityModel.Tokens;

namespace AspireShop.Seller.Tests;

/// <summary>
/// The security matrix: every route of the service × anonymous, bad tokens, a buyer, another buyer, a pending applicant,
/// seller A, seller B, an admin and a service. Seller B never gets a 2xx on anything of seller A's.
/// </summary>
public sealed class SellerAccessTests(SellerFixture fixture) : IClassFixture<SellerFixture>
{
    private const int Unauthorized = 401;
    private const int Forbidden = 403;
    private const int NotFound = 404;

    private SellerApp App => fixture.App;

    [Fact]
    public async Task EveryRouteAnswersEachCallerAsItMay()
    {
        var (sellerA, applicationA) = await App.OnboardAsync();
        var (sellerB, _) = await App.OnboardAsync();
        var sellerAId = applicationA.SellerId!.Value;
        var applicant = TestUser.NewBuyer();
        var pending = await App.ApplyAsync(applicant);
        var callers = new Dictionary<string, string?>
        {
            ["anonymous"] = null,
            ["expired"] = TestTokens.Issue(sellerA, TimeSpan.FromMinutes(-10)),
            ["foreign key"] = TestTokens.Issue(sellerA, signingKey: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "aspireshop-tests" }),
            ["garbage"] = "not-a-jwt",
            ["buyer"] = TestTokens.Issue(TestUser.NewBuyer()),
            ["other buyer"] = TestTokens.Issue(TestUser.NewBuyer()),
            ["applicant"] = TestTokens.Issue(applicant),
            ["seller A"] = TestTokens.Issue(sellerA),
            ["seller B"] = TestTokens.Issue(sellerB),
            ["admin"] = TestTokens.Issue(TestUser.NewAdmin()),
            ["service"] = TestTokens.Issue(TestUser.NewService()),
        };

        // Expected status per caller; callers not named get the route's default. The bad tokens are 401 everywhere.
        var routes = new List<Route>
        {
            new("GET", $"{ApplicationsApi.Path}/mine", 200, new() { ["service"] = Forbidden }),
            new("GET", $"{ApplicationsApi.Path}/{pending.Id}", NotFound, new() { ["applicant"] = 200, ["admin"] = 200 }),
            new("GET", $"{ApplicationsApi.Path}/{applicationA.Id}", NotFound, new() { ["seller A"] = 200, ["admin"] = 200 }),
            new("GET", ApplicationsApi.Path, Forbidden, new() { ["admin"] = 200 }),
            new("POST", ApplicationsApi.Path, 201, new() { ["applicant"] = 409, ["seller A"] = 409, ["seller B"] = 409, ["service"] = Forbidden },
                _ => Task.FromResult<object?>(Applications.Valid())),
            new("POST", $"{ApplicationsApi.Path}/{{id}}/approve", Forbidden, new() { ["admin"] = 200 }, null, FreshApplicationAsync),
            new("POST", $"{ApplicationsApi.Path}/{{id}}/reject", Forbidden, new() { ["admin"] = 200 },
                _ => Task.FromResult<object?>(new RejectApplicationRequest("No")), FreshApplicationAsync),
            new("GET", "/api/sellers/me", Forbidden, new() { ["seller A"] = 200, ["seller B"] = 200 }),
            new("PUT", "/api/sellers/me", Forbidden, new() { ["seller A"] = 200, ["seller B"] = 200 },
                _ => Task.FromResult<object?>(new UpdateProfileRequest("Renamed", "me@example.com", null))),
            new("GET", "/api/sellers", Forbidden, new() { ["admin"] = 200 }),
            new("GET", $"/api/sellers/{sellerAId}", Forbidden, new() { ["seller A"] = 200, ["seller B"] = NotFound, ["admin"] = 200 }),
            new("PUT", $"/api/sellers/{sellerAId}/commission", Forbidden, new() { ["admin"] = 200 },
                _ => Task.FromResult<object?>(new UpdateCommissionRequest(900))),
            new("GET", "/api/sellers/me/balance", Forbidden, new() { ["seller A"] = 200, ["seller B"] = 200 }),
            new("GET", "/api/sellers/me/statements", Forbidden, new() { ["seller A"] = 200, ["seller B"] = 200 }),
            new("GET", $"/api/sellers/{sellerAId}/balance", Forbidden, new() { ["seller A"] = 200, ["seller B"] = NotFound, ["admin"] = 200 }),
            new("GET", $"/api/sellers/{sellerAId}/statements", Forbidden, new() { ["seller A"] = 200, ["seller B"] = NotFound, ["admin"] = 200 }),
            new("GET", "/api/sellers/ledger/trial-balance", Forbidden, new() { ["admin"] = 200 }),
            new("GET", "/api/sellers/ledger/parked-refunds", Forbidden, new() { ["admin"] = 200 }),
        };

        var wrong = new List<string>();
        foreach (var route in routes)
        {
            foreach (var (caller, token) in callers)
            {
                var expected = token is null || caller is "expired" or "foreign key" or "garbage"
                    ? Unauthorized
                    : route.Expected.GetValueOrDefault(caller, route.Default);
                var path = route.Target is null ? route.Path : route.Path.Replace("{id}", (await route.Target()).ToString(), StringComparison.Ordinal);
                using var client = token is null ? App.Anonymous() : App.WithToken(token);
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
                if (route.Body is not null)
                {
                    request.Content = JsonContent.Create(await route.Body(caller));
                }

                using var response = await client.SendAsync(request);
                if ((int)response.StatusCode != expected)
                {
                    wrong.Add($"{route.Method} {route.Path} as {caller}: {(int)response.StatusCode}, expected {expected}");
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryRoute()
    {
        using var client = App.Anonymous();

        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(App.Services, client));
        var documented = await OpenApiCoverage.DocumentedAsync(client);
        Assert.Contains("POST /api/sellers/applications", documented);
        Assert.Contains("POST /api/sellers/applications/{id}/approve", documented);
        Assert.Contains("PUT /api/sellers/{id}/commission", documented);
        Assert.Contains("GET /api/sellers/{id}/statements", documented);
        Assert.Contains("GET /api/sellers/ledger/trial-balance", documented);
        Assert.Contains("GET /api/sellers/ledger/parked-refunds", documented);
    }

    private async Task<Guid> FreshApplicationAsync() => (await App.ApplyAsync(TestUser.NewBuyer())).Id;

    private sealed record Route(
        string Method,
        string Path,
        int Default,
        Dictionary<string, int> Expected,
        Func<string, Task<object?>>? Body = null,
        Func<Task<Guid>>? Target = null);
}
