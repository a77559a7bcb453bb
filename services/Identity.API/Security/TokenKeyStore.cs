using System.Security.Cryptography;
using AspireShop.Identity.API.Data;
using AspireShop.Identity.API.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;

namespace AspireShop.Identity.API.Security;

/// <summary>The signing key (its <c>kid</c> in every JWT header) and the encryption key of codes and refresh tokens.</summary>
public sealed record TokenKeys(RsaSecurityKey Signing, RsaSecurityKey Encryption);

/// <summary>
/// Creates the server's RSA keys in <c>signing_keys</c> the first time (in the migrate step or on first start) and
/// loads them, so tokens survive restarts and any instance validates what another issued. Production would load a Key
/// Vault certificate instead; rotation (a second row, published in JWKS before it signs) is not built yet.
/// </summary>
public sealed partial class TokenKeyStore(IServiceScopeFactory scopes, ILogger<TokenKeyStore> logger)
{
    public const int KeySize = 2048;

    private readonly Lock _gate = new();
    private TokenKeys? _keys;

    /// <summary>
    /// For OpenIddict's options, which are built synchronously on first use; blocking once per process is acceptable.
    /// </summary>
    public TokenKeys GetKeys()
    {
        lock (_gate)
        {
            return _keys ??= EnsureAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public async Task<TokenKeys> EnsureAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdentityContext>();

        var rows = await context.SigningKeys.AsNoTracking().ToListAsync(cancellationToken);
        foreach (var use in new[] { SigningKey.SignatureUse, SigningKey.EncryptionUse }.Where(u => rows.All(r => r.Use != u)))
        {
            using var rsa = RSA.Create(KeySize);
            var keyId = KeyIdOf(rsa);
            var algorithm = use == SigningKey.SignatureUse ? SecurityAlgorithms.RsaSha256 : SecurityAlgorithms.RsaOAEP;
            var pem = rsa.ExportPkcs8PrivateKeyPem();
            // Another instance may be creating the same key right now: the unique "use" index keeps the first one.
            var inserted = await context.Database.ExecuteSqlAsync(
                $"INSERT INTO signing_keys (key_id, use, algorithm, private_key_pem) VALUES ({keyId}, {use}, {algorithm}, {pem}) ON CONFLICT (use) DO NOTHING",
                cancellationToken);
            if (inserted == 1)
            {
                LogKeyCreated(use, keyId);
            }
        }

        rows = await context.SigningKeys.AsNoTracking().ToListAsync(cancellationToken);
        return new TokenKeys(Load(rows, SigningKey.SignatureUse), Load(rows, SigningKey.EncryptionUse));
    }

    /// <summary>RFC 7638 thumbprint, base64url: stable for the key, so every instance publishes the same <c>kid</c>.</summary>
    public static string KeyIdOf(RSA rsa) =>
        Base64UrlEncoder.Encode(new RsaSecurityKey(rsa.ExportParameters(false)).ComputeJwkThumbprint());

    private static RsaSecurityKey Load(IEnumerable<SigningKey> rows, string use)
    {
        var row = rows.Single(r => r.Use == use);
        var rsa = RSA.Create();
        rsa.ImportFromPem(row.PrivateKeyPem);
        return new RsaSecurityKey(rsa) { KeyId = row.KeyId };
    }

    [LoggerMessage(LogLevel.Information, "Created the {Use} key {KeyId}")]
    private partial void LogKeyCreated(string use, string keyId);
}
