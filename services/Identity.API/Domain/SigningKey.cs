namespace AspireShop.Identity.API.Domain;

/// <summary>
/// An RSA key the token server uses, kept in the database so every instance and every restart signs and decrypts with
/// the same keys. Production would keep these in Key Vault (a certificate per use) instead of a table.
/// </summary>
public sealed class SigningKey
{
    public const string SignatureUse = "sig";
    public const string EncryptionUse = "enc";

    /// <summary>The JWT header's <c>kid</c>: the key's RFC 7638 thumbprint.</summary>
    public required string KeyId { get; set; }

    /// <summary><c>sig</c> signs access and identity tokens; <c>enc</c> encrypts codes and refresh tokens. One row per use.</summary>
    public required string Use { get; set; }

    public required string Algorithm { get; set; }

    /// <summary>PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>).</summary>
    public required string PrivateKeyPem { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
