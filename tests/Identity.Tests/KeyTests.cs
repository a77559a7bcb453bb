using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.TestKit;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspireShop.Identity.Tests;

/// <summary>The keys live in identitydb: every instance signs with the same key and accepts the others' tokens.</summary>
public sealed class KeyTests(IdentityFixture fixture) : IClassFixture<IdentityFixture>
{
    [Fact]
    public async Task ASecondInstanceOnTheSameDatabaseSignsWithTheSameKeyAndAcceptsTheFirstsTokens()
    {
        var first = fixture.App;
        var token = await first.PasswordTokenAsync("buyer@aspireshop.dev", scope: "offline_access");
        var userId = new JsonWebToken(token.AccessToken).Subject;
        var keyCount = await first.QueryScalarAsync<long>("SELECT count(*) FROM signing_keys");

        // A restart, or a second replica: same database, nothing else shared.
        await using var second = await IdentityApp.StartAsync(fixture.Infrastructure, first.DatabaseConnectionString);
        var again = await second.PasswordTokenAsync("buyer@aspireshop.dev");

        Assert.Equal(new JsonWebToken(token.AccessToken).Kid, new JsonWebToken(again.AccessToken).Kid);
        Assert.Equal(HttpStatusCode.OK, (await second.WithToken(token.AccessToken).GetAsync($"/auth/users/{userId}")).StatusCode);
        // Refresh tokens are encrypted with the shared encryption key: the other instance can redeem them.
        using var refreshed = await second.PostTokenAsync(("grant_type", "refresh_token"), ("client_id", IdentityApp.CliClient), ("refresh_token", token.RefreshToken!));
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal(keyCount, await second.QueryScalarAsync<long>("SELECT count(*) FROM signing_keys"));
        Assert.Equal(2L, keyCount);
    }

    [Fact]
    public async Task AClientAddedToConfigurationCanSignInAfterARestartWithoutAMigration()
    {
        var clientId = $"svc-{Guid.NewGuid():N}";
        await using var restarted = await IdentityApp.StartAsync(fixture.Infrastructure, fixture.App.DatabaseConnectionString,
            new Dictionary<string, string?> { [$"Identity:Clients:{clientId}:Secret"] = "new-secret" });

        using var response = await restarted.PostTokenAsync(("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", "new-secret"));
        Assert.Equal(clientId, new JsonWebToken((await TokenResponse.ReadAsync(response)).AccessToken).Subject);
    }

    [Fact]
    public async Task ATokenMintedWithTheStoredKeyIsAcceptedUntilItExpires()
    {
        var app = fixture.App;
        var key = await app.ReadSigningKeyAsync();
        var admin = new TestUser(Guid.NewGuid(), null, AspireShopClaims.AdminRole);

        var valid = Mint(key, admin, TimeSpan.FromMinutes(5));
        var expired = Mint(key, admin, TimeSpan.FromMinutes(-5));
        var otherKey = Mint(new RsaSecurityKey(RSA.Create(2048)) { KeyId = key.KeyId }, admin, TimeSpan.FromMinutes(5));

        Assert.Equal(key.KeyId, new JsonWebToken(valid).Kid);
        var body = new { email = $"x-{Guid.NewGuid():N}@aspireshop.dev", password = "long enough", name = "X", role = "buyer" };
        Assert.Equal(HttpStatusCode.Created, (await app.WithToken(valid).PostAsJsonAsync("/auth/users", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithToken(expired).PostAsJsonAsync("/auth/users", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithToken(otherKey).PostAsJsonAsync("/auth/users", body)).StatusCode);
    }

    [Fact]
    public async Task AnUnsignedTokenIsRejected()
    {
        var app = fixture.App;
        var unsigned = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IdentityApp.Issuer,
            Audience = AuthenticationExtensions.DefaultAudience,
            Claims = new Dictionary<string, object> { ["sub"] = Guid.NewGuid().ToString(), ["role"] = "admin" },
            Expires = DateTime.UtcNow.AddMinutes(5),
        });

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithToken(unsigned).GetAsync($"/auth/users/{Guid.NewGuid()}")).StatusCode);
    }

    // Shaped like the server's own tokens (issuer, audience, typ at+jwt), signed with whatever key the test chooses.
    private static string Mint(SecurityKey key, TestUser user, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        var expires = now + lifetime;
        var issuedAt = expires < now ? expires.AddMinutes(-10) : now;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IdentityApp.Issuer,
            Audience = AuthenticationExtensions.DefaultAudience,
            TokenType = "at+jwt",
            Claims = new Dictionary<string, object>
            {
                [AspireShopClaims.Subject] = user.Id.ToString(),
                [AspireShopClaims.Role] = user.Roles,
            },
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }
}
