using System.Security.Claims;
using System.Security.Cryptography;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspireShop.TestKit;

/// <summary>
/// Signed JWTs for services hosted in-process, shaped exactly like the Identity service's access tokens (issuer,
/// audience, sub/role/seller_id). The platform tests use the real Identity service instead.
/// </summary>
public static class TestTokens
{
    public const string Issuer = "http://identity.test/auth/";

    private static readonly RsaSecurityKey Key = new(RSA.Create(2048)) { KeyId = "aspireshop-tests" };

    /// <summary>Validate tokens with the test key instead of fetching the Identity service's discovery document.</summary>
    public static IServiceCollection UseTestTokens(this IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
        {
            options.TokenValidationParameters.IssuerSigningKey = Key;
            options.TokenValidationParameters.ValidIssuer = Issuer;
        });

    /// <summary>Service-to-service calls of the app under test carry a test token with role service.</summary>
    public static IServiceCollection UseTestServiceTokens(this IServiceCollection services) =>
        services.AddSingleton<IServiceTokenSource>(new TestServiceTokens());

    private sealed class TestServiceTokens : IServiceTokenSource
    {
        private readonly string _token = Issue(TestUser.NewService(), TimeSpan.FromHours(1));

        public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_token);
    }

    public static string Issue(TestUser user, TimeSpan? lifetime = null, SecurityKey? signingKey = null)
    {
        var claims = new List<Claim> { new(AspireShopClaims.Subject, user.Id.ToString()) };
        claims.AddRange(user.Roles.Select(role => new Claim(AspireShopClaims.Role, role)));
        if (user.SellerId is { } sellerId)
        {
            claims.Add(new Claim(AspireShopClaims.SellerId, sellerId.ToString()));
        }

        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(5));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = AuthenticationExtensions.DefaultAudience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = expires < now ? expires.AddMinutes(-5) : now,
            NotBefore = expires < now ? expires.AddMinutes(-5) : now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(signingKey ?? Key, SecurityAlgorithms.RsaSha256),
        });
    }
}

/// <summary>A caller: subject id, optional seller id, roles (buyer, seller, admin, service).</summary>
public sealed record TestUser(Guid Id, Guid? SellerId, params string[] Roles)
{
    public static TestUser NewBuyer() => new(Guid.NewGuid(), null, AspireShopClaims.BuyerRole);

    public static TestUser NewSeller() => new(Guid.NewGuid(), Guid.NewGuid(), AspireShopClaims.SellerRole);

    public static TestUser NewAdmin() => new(Guid.NewGuid(), null, AspireShopClaims.AdminRole);

    public static TestUser NewService() => new(Guid.NewGuid(), null, AspireShopClaims.ServiceRole);
}
