namespace AspireShop.Seller.API.Domain;

/// <summary>
/// A seller: created by an approved <see cref="SellerApplication"/>, owned by one user, protected by row-level security
/// on <see cref="SellerId"/> (a seller reads and changes only its own row; admins all).
/// </summary>
public sealed class SellerAccount
{
    public Guid SellerId { get; set; }

    public Guid UserId { get; set; }

    public Guid ApplicationId { get; set; }

    public required string BusinessName { get; set; }

    public required string ContactEmail { get; set; }

    /// <summary>Normalised IBAN the payouts go to; only ever shown masked.</summary>
    public required string PayoutAccount { get; set; }

    /// <summary>The platform's share of each sale, in basis points (1000 = 10 %).</summary>
    public int CommissionBasisPoints { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }
}

public static class Commission
{
    public const int DefaultBasisPoints = 1000;
    public const int MaxBasisPoints = 10_000;
}
