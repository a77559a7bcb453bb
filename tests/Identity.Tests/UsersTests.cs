using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.TestKit;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspireShop.Identity.Tests;

/// <summary>Buyers register themselves; admins create sellers; the validation and authorization around both.</summary>
public sealed class UsersTests(IdentityFixture fixture) : IClassFixture<IdentityFixture>
{
    private IdentityApp App => fixture.App;

    [Fact]
    public async Task EveryMappedRouteIsInTheOpenApiDocument()
    {
        using var client = fixture.App.Anonymous();
        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(fixture.App.Services, client));
    }

    [Fact]
    public async Task ARegisteredBuyerCanSignInWithRoleBuyer()
    {
        var email = NewEmail();

        using var response = await App.Anonymous().PostAsJsonAsync("/auth/register", new { email, password = "correct horse", name = "Ada" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(email, body.GetProperty("email").GetString());
        Assert.Equal(["buyer"], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.EndsWith($"/auth/users/{body.GetProperty("id").GetGuid()}", response.Headers.Location!.ToString());

        var jwt = new JsonWebToken((await App.PasswordTokenAsync(email, "correct horse")).AccessToken);
        Assert.Equal(body.GetProperty("id").GetGuid().ToString(), jwt.Subject);
        Assert.Equal("buyer", jwt.GetClaim(AspireShopClaims.Role).Value);
        Assert.Equal("Ada", jwt.GetClaim(AspireShopClaims.Name).Value);
        Assert.False(jwt.TryGetClaim(AspireShopClaims.SellerId, out _));
    }

    [Theory]
    [InlineData("not-an-email", "long enough", "Ada", "email")]
    [InlineData("", "long enough", "Ada", "email")]
    [InlineData("valid@aspireshop.dev", "short", "Ada", "password")]
    [InlineData("valid@aspireshop.dev", null, "Ada", "password")]
    [InlineData("valid@aspireshop.dev", "long enough", null, "name")]
    [InlineData("valid@aspireshop.dev", "long enough", "   ", "name")]
    public async Task AnInvalidRegistrationIsAProblemNamingTheFieldAndCreatesNoUser(string? email, string? password, string? name, string field)
    {
        var unique = email is { Length: > 0 } && email.Contains('@') ? NewEmail() : email;

        using var response = await App.Anonymous().PostAsJsonAsync("/auth/register", new { email = unique, password, name });

        await AssertProblemAsync(response, field);
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM users WHERE normalized_email = lower($1)", unique ?? ""));
    }

    [Theory]
    [InlineData("{ \"email\": ")]
    [InlineData("{ \"email\": 42, \"password\": \"long enough\", \"name\": \"Ada\" }")]
    [InlineData("[]")]
    public async Task MalformedJsonIsA400NotAServerError(string json)
    {
        using var response = await App.Anonymous().PostAsync("/auth/register", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RegisteringAnEmailTwiceIsAConflictWhateverItsCase()
    {
        var email = NewEmail();
        using var first = await App.Anonymous().PostAsJsonAsync("/auth/register", new { email, password = "long enough", name = "Ada" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var second = await App.Anonymous().PostAsJsonAsync("/auth/register", new { email = email.ToUpperInvariant(), password = "other password", name = "Eve" });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM users WHERE normalized_email = $1", email));
        // The first account's password still works, the second's does not.
        Assert.Equal(HttpStatusCode.OK, (await App.PasswordTokenAsync(email, "long enough")).Status);
        Assert.Equal("invalid_grant", (await App.PasswordTokenAsync(email, "other password")).Error);
    }

    [Fact]
    public async Task AnAdminCreatesASellerWhoSignsInWithTheSellerId()
    {
        var admin = await App.AsAsync("admin@aspireshop.dev");
        var email = NewEmail();
        var sellerId = Guid.NewGuid();

        using var response = await admin.PostAsJsonAsync("/auth/users", new { email, password = "seller password", name = "Shop", role = "seller", sellerId });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var jwt = new JsonWebToken((await App.PasswordTokenAsync(email, "seller password")).AccessToken);
        Assert.Equal("seller", jwt.GetClaim(AspireShopClaims.Role).Value);
        Assert.Equal(sellerId.ToString(), jwt.GetClaim(AspireShopClaims.SellerId).Value);
    }

    [Fact]
    public async Task OnlyAdminsCreateUsers()
    {
        var body = new { email = NewEmail(), password = "long enough", name = "Mallory", role = "admin" };

        using var anonymous = await App.Anonymous().PostAsJsonAsync("/auth/users", body);
        using var buyer = await (await App.AsAsync("buyer@aspireshop.dev")).PostAsJsonAsync("/auth/users", body);
        using var seller = await (await App.AsAsync("seller-a@aspireshop.dev")).PostAsJsonAsync("/auth/users", body);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, buyer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, seller.StatusCode);
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM users WHERE normalized_email = $1", body.email));
    }

    [Fact]
    public async Task AServiceTokenCannotCreateUsers()
    {
        using var response = await App.PostTokenAsync(("grant_type", "client_credentials"), ("client_id", IdentityApp.ServiceClient), ("client_secret", IdentityApp.ServiceSecret));
        var service = App.WithToken((await TokenResponse.ReadAsync(response)).AccessToken);

        using var created = await service.PostAsJsonAsync("/auth/users", new { email = NewEmail(), password = "long enough", name = "Svc", role = "admin" });

        Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);
    }

    [Theory]
    [InlineData("seller", null, "sellerId")]
    [InlineData("buyer", "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "sellerId")]
    [InlineData("owner", null, "role")]
    [InlineData(null, null, "role")]
    public async Task AnInvalidUserIsAProblemNamingTheField(string? role, string? sellerId, string field)
    {
        var admin = await App.AsAsync("admin@aspireshop.dev");
        var email = NewEmail();

        using var response = await admin.PostAsJsonAsync("/auth/users", new { email, password = "long enough", name = "Shop", role, sellerId });

        await AssertProblemAsync(response, field);
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM users WHERE normalized_email = $1", email));
    }

    [Fact]
    public async Task UsersReadThemselvesAndAdminsReadAnyone()
    {
        var buyerToken = await App.PasswordTokenAsync("buyer@aspireshop.dev");
        var buyerId = new JsonWebToken(buyerToken.AccessToken).Subject;
        var sellerId = new JsonWebToken((await App.PasswordTokenAsync("seller-a@aspireshop.dev")).AccessToken).Subject;
        var buyer = App.WithToken(buyerToken.AccessToken);
        var admin = await App.AsAsync("admin@aspireshop.dev");

        Assert.Equal(HttpStatusCode.OK, (await buyer.GetAsync($"/auth/users/{buyerId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await buyer.GetAsync($"/auth/users/{sellerId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/auth/users/{sellerId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.Anonymous().GetAsync($"/auth/users/{buyerId}")).StatusCode);
    }

    private static string NewEmail() => $"user-{Guid.NewGuid():N}@aspireshop.dev";

    private static async Task AssertProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"No error for {field}: {problem}");
    }
}
