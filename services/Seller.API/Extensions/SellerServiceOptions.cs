namespace AspireShop.Seller.API.Extensions;

/// <summary>The <c>Seller</c> configuration section.</summary>
public sealed class SellerServiceOptions
{
    public const string Section = "Seller";

    /// <summary>
    /// Creates the sellers of Identity's demo seller users (development only; the AppHost turns it on, as it turns on
    /// <c>Identity:SeedDemoUsers</c>).
    /// </summary>
    public bool SeedDemoSellers { get; set; }
}
