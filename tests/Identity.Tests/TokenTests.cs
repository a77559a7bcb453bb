using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireShop.Identity.API.Data;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspireShop.Identity.Tests;

/// <summary>The token endpoint: password, client credentials and refresh grants, and what the tokens carry.</summary>
public sealed class TokenTests(IdentityFixture fixture) : IClassFixture<IdentityFixture>
{
    private IdentityApp App => fixture.App;

    [Theory]
    [InlineData("buyer@aspireshop.dev", "buyer", null)]
    [InlineData("seller-a@aspireshop.dev", "seller", "e64c1720-3a41-ce05-66b6-ea56b18ecd2f")]
    [InlineData("seller-b@aspireshop.dev", "seller", "47d0abb4-4208-fb83-ca56-6adb46e9ed5a")]
    [InlineData("admin@aspireshop.dev", "admin", null)]
    public async Task PasswordGrantIssuesASignedJwtThatValidatesAgainstTheDiscoveredKeys(string email, string role, string? sellerId)
    {
        var token = await App.PasswordTokenAsync(email);

        var jwt = new JsonWebToken(token.AccessToken);
        Assert.Equal(IdentityApp.Issuer, jwt.Issuer);
        Assert.Contains(AuthenticationExtensions.DefaultAudience, jwt.Audiences);
        Assert.True(Guid.TryParse(jwt.Subject, out _));
        Assert.Equal(email, jwt.GetClaim(AspireShopClaims.Email).Value);
        Assert.Equal([role], jwt.Claims.Where(c => c.Type == AspireShopClaims.Role).Select(c => c.Value));
        Assert.Equal(sellerId, jwt.TryGetClaim(AspireShopClaims.SellerId, out var seller) ? seller.Value : null);
        Assert.False(string.IsNullOrEmpty(jwt.GetClaim(AspireShopClaims.Name).Value));
        Assert.Equal("RS256", jwt.Alg);
        Assert.InRange(jwt.ValidTo - jwt.IssuedAt, IdentityApp.AccessTokenLifetime - TimeSpan.FromSeconds(5), IdentityApp.AccessTokenLifetime + TimeSpan.FromSeconds(5));
        Assert.InRange(token.ExpiresIn, IdentityApp.AccessTokenLifetime.TotalSeconds - 5, IdentityApp.AccessTokenLifetime.TotalSeconds + 1);
        // The header's kid names the row of signing_keys the gateway's tests read.
        Assert.Equal((await App.ReadSigningKeyAsync()).KeyId, jwt.Kid);

        var discovery = await App.DiscoverAsync();
        Assert.Equal(IdentityApp.Issuer, discovery.Issuer);
        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token.AccessToken, new TokenValidationParameters
        {
            ValidIssuer = discovery.Issuer,
            ValidAudience = AuthenticationExtensions.DefaultAudience,
            IssuerSigningKeys = discovery.SigningKeys,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task DiscoveryAndJwksAreServedUnderAuthAndTheJwksHasNoPrivateParts()
    {
        var discovery = await App.DiscoverAsync();
        Assert.Equal("http://localhost/auth/connect/token", discovery.TokenEndpoint);
        Assert.Equal("http://localhost/auth/connect/authorize", discovery.AuthorizationEndpoint);
        Assert.Equal("http://localhost/auth/.well-known/jwks", discovery.JwksUri);
        Assert.Contains("S256", discovery.CodeChallengeMethodsSupported);

        using var jwks = JsonDocument.Parse(await App.Anonymous().GetStringAsync("/auth/.well-known/jwks"));
        var key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal((await App.ReadSigningKeyAsync()).KeyId, key.GetProperty("kid").GetString());
        Assert.False(key.TryGetProperty("d", out _));
    }

    [Fact]
    public async Task AWrongPasswordAndAnUnknownUserGetTheSameInvalidGrant()
    {
        var wrongPassword = await App.PasswordTokenAsync("buyer@aspireshop.dev", "not-the-password");
        var unknownUser = await App.PasswordTokenAsync($"nobody-{Guid.NewGuid():N}@aspireshop.dev", "not-the-password");

        foreach (var response in new[] { wrongPassword, unknownUser })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.Equal("invalid_grant", response.Error);
            Assert.Null(response.Access);
        }

        Assert.Equal(wrongPassword.ErrorDescription, unknownUser.ErrorDescription);
    }

    [Fact]
    public async Task EmailsAreCaseInsensitiveAtSignIn()
    {
        var token = await App.PasswordTokenAsync("Buyer@AspireShop.DEV");

        Assert.Equal("buyer", new JsonWebToken(token.AccessToken).GetClaim(AspireShopClaims.Role).Value);
    }

    [Fact]
    public async Task ClientCredentialsIssueAServiceToken()
    {
        using var response = await App.PostTokenAsync(("grant_type", "client_credentials"), ("client_id", IdentityApp.ServiceClient), ("client_secret", IdentityApp.ServiceSecret));
        var token = await TokenResponse.ReadAsync(response);

        var jwt = new JsonWebToken(token.AccessToken);
        Assert.Equal(IdentityApp.ServiceClient, jwt.Subject);
        Assert.Equal(IdentityApp.ServiceClient, Assert.Single(jwt.Claims, c => c.Type == AspireShopClaims.ClientId).Value);
        Assert.Equal([AspireShopClaims.ServiceRole], jwt.Claims.Where(c => c.Type == AspireShopClaims.Role).Select(c => c.Value));
        Assert.Contains(AuthenticationExtensions.DefaultAudience, jwt.Audiences);
        Assert.Null(token.RefreshToken);
    }

    [Fact]
    public async Task AClientWithConfiguredRolesGetsThoseRolesInsteadOfService()
    {
        using var response = await App.PostTokenAsync(("grant_type", "client_credentials"), ("client_id", IdentityApp.AdminClient), ("client_secret", IdentityApp.AdminClientSecret));
        var token = await TokenResponse.ReadAsync(response);

        var jwt = new JsonWebToken(token.AccessToken);
        Assert.Equal(IdentityApp.AdminClient, jwt.Subject);
        Assert.Equal([AspireShopClaims.AdminRole], jwt.Claims.Where(c => c.Type == AspireShopClaims.Role).Select(c => c.Value));
        using var created = await App.WithToken(token.AccessToken).PostAsJsonAsync("/auth/users",
            new { email = $"by-dashboard-{Guid.NewGuid():N}@aspireshop.dev", password = "long enough", name = "D", role = "buyer" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task AWrongClientSecretIsAnInvalidClient()
    {
        using var response = await App.PostTokenAsync(("grant_type", "client_credentials"), ("client_id", IdentityApp.ServiceClient), ("client_secret", "wrong"));
        var token = await TokenResponse.ReadAsync(response);

        Assert.Contains(token.Status, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized });
        Assert.Equal("invalid_client", token.Error);
    }

    [Fact]
    public async Task ThePublicCliClientCannotUseClientCredentials()
    {
        using var response = await App.PostTokenAsync(("grant_type", "client_credentials"), ("client_id", IdentityApp.CliClient));
        var token = await TokenResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, token.Status);
        Assert.NotNull(token.Error);
    }

    [Fact]
    public async Task ARefreshTokenGivesANewAccessTokenForTheSameUser()
    {
        var first = await App.PasswordTokenAsync("seller-a@aspireshop.dev", scope: "offline_access");
        Assert.NotNull(first.RefreshToken);

        using var response = await App.PostTokenAsync(("grant_type", "refresh_token"), ("client_id", IdentityApp.CliClient), ("refresh_token", first.RefreshToken!));
        var second = await TokenResponse.ReadAsync(response);

        var before = new JsonWebToken(first.AccessToken);
        var after = new JsonWebToken(second.AccessToken);
        Assert.Equal(before.Subject, after.Subject);
        Assert.Equal(IdentitySeeder.DemoSellerA.ToString(), after.GetClaim(AspireShopClaims.SellerId).Value);
        Assert.Contains(AuthenticationExtensions.DefaultAudience, after.Audiences);
        Assert.NotNull(second.RefreshToken);
    }

    [Fact]
    public async Task UserInfoDescribesTheCurrentAccount()
    {
        var token = await App.PasswordTokenAsync("seller-b@aspireshop.dev", scope: "openid profile email roles");

        var info = await App.WithToken(token.AccessToken).GetFromJsonAsync<JsonElement>("/auth/connect/userinfo");

        Assert.Equal(new JsonWebToken(token.AccessToken).Subject, info.GetProperty("sub").GetString());
        Assert.Equal("seller-b@aspireshop.dev", info.GetProperty("email").GetString());
        Assert.Equal(IdentitySeeder.DemoSellerB.ToString(), info.GetProperty("seller_id").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.Anonymous().GetAsync("/auth/connect/userinfo")).StatusCode);
    }

    [Fact]
    public async Task AnUnknownScopeIsRejected()
    {
        var token = await App.PasswordTokenAsync("buyer@aspireshop.dev", scope: "everything");

        Assert.Equal(HttpStatusCode.BadRequest, token.Status);
        Assert.Equal("invalid_scope", token.Error);
    }

    [Fact]
    public async Task APasswordGrantWithoutAClientIdIsRejected()
    {
        using var response = await App.PostTokenAsync(("grant_type", "password"), ("username", "buyer@aspireshop.dev"), ("password", IdentitySeeder.DemoPassword));

        // Client authentication failures are 401 in OpenIddict (RFC 6749 §5.2 allows it).
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_client", (await TokenResponse.ReadAsync(response)).Error);
    }

    [Fact]
    public async Task WithoutOfflineAccessThereIsNoRefreshToken()
    {
        var token = await App.PasswordTokenAsync("buyer@aspireshop.dev");

        Assert.Null(token.RefreshToken);
    }
}
