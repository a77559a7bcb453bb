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
    /// <summary>10 %: what an approval without a rate gives, and what the ledger charges a seller it has no row for.</summary>
    public const int DefaultBasisPoints = 1000;
    public const int MaxBasisPoints = 10_000;

    /// <summary>
    /// The commission on <paramref name="grossMinor"/> (minor units) at <paramref name="basisPoints"/>, rounded to the
    /// nearest cent, half a cent up (half away from zero): 59.97 at 12.5 % is 7.49625, so 7.50.
    /// </summary>
    public static long Of(long grossMinor, int basisPoints)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(grossMinor);
        ArgumentOutOfRangeException.ThrowIfNegative(basisPoints);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(basisPoints, MaxBasisPoints);
        return checked((grossMinor * basisPoints) + (MaxBasisPoints / 2)) / MaxBasisPoints;
    }
}
