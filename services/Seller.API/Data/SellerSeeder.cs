using AspireShop.BuildingBlocks.Data;
using AspireShop.Seller.API.Domain;
using AspireShop.Seller.API.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireShop.Seller.API.Data;

/// <summary>
/// One demo seller: the seller Identity's demo seller user acts for (its <c>seller_id</c> claim), with the approved
/// application a seller always comes from. <see cref="UserId"/> is a placeholder, not the user's Identity id: Identity
/// gives users a fresh <c>Guid.CreateVersion7()</c> at seeding, so that id differs per database and Seller cannot know
/// it. Nothing in Seller looks a seller up by user (a seller's token is matched by <c>seller_id</c>, and a caller that
/// already has one may not apply again); the placeholders are version-4 GUIDs, so they never equal an id Identity creates.
/// </summary>
public sealed record DemoSeller(
    Guid SellerId, Guid UserId, Guid ApplicationId, string BusinessName, string ContactEmail, string PayoutAccount);

/// <summary>
/// Idempotent: when <c>Seller:SeedDemoSellers</c> is on, the sellers of Identity's demo users (<see cref="DemoSellers"/>)
/// and their approved applications; a seller that exists is left as it is (an admin may have changed it). No
/// <c>SellerApproved</c> is published: Identity seeds those users with the role and <c>seller_id</c> already.
/// </summary>
public sealed partial class SellerSeeder(
    SellerContext db,
    TenantContext tenant,
    TimeProvider time,
    IOptions<SellerServiceOptions> settings,
    ILogger<SellerSeeder> logger)
{
    /// <summary>Who approved the demo sellers' applications.</summary>
    public const string DecidedBy = "demo-seed";

    /// <summary>Identity's <c>IdentitySeeder.DemoSellerA</c> (seller-a@aspireshop.dev), itself Catalog's first demo seller.</summary>
    public static readonly Guid DemoSellerA = Guid.Parse("e64c1720-3a41-ce05-66b6-ea56b18ecd2f");

    /// <summary>Identity's <c>IdentitySeeder.DemoSellerB</c> (seller-b@aspireshop.dev), itself Catalog's second demo seller.</summary>
    public static readonly Guid DemoSellerB = Guid.Parse("47d0abb4-4208-fb83-ca56-6adb46e9ed5a");

    // IBANs with bank code 00000000 pass the mod-97 check but belong to no bank: a demo payout can go nowhere real.
    public static readonly IReadOnlyList<DemoSeller> DemoSellers =
    [
        new(DemoSellerA, Guid.Parse("00000000-0000-4000-8000-00000000a001"), Guid.Parse("00000000-0000-4000-8000-00000000a002"),
            "Demo Seller A", "seller-a@aspireshop.dev", "DE09000000000000000001"),
        new(DemoSellerB, Guid.Parse("00000000-0000-4000-8000-00000000b001"), Guid.Parse("00000000-0000-4000-8000-00000000b002"),
            "Demo Seller B", "seller-b@aspireshop.dev", "DE79000000000000000002"),
    ];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (!settings.Value.SeedDemoSellers)
        {
            return;
        }

        // The demo sellers are no one caller's rows; the migrate step ignores this (it works as the schema owner).
        tenant.Current = Tenant.Everyone;
        var ids = DemoSellers.Select(s => s.SellerId).ToList();
        var existing = await db.Sellers.AsNoTracking().Where(s => ids.Contains(s.SellerId)).Select(s => s.SellerId).ToListAsync(cancellationToken);
        var missing = DemoSellers.Where(s => !existing.Contains(s.SellerId)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var demo in missing)
        {
            db.Applications.Add(new SellerApplication
            {
                Id = demo.ApplicationId,
                UserId = demo.UserId,
                BusinessName = demo.BusinessName,
                ContactEmail = demo.ContactEmail,
                PayoutAccount = demo.PayoutAccount,
                Status = ApplicationStatus.Approved,
                SellerId = demo.SellerId,
                CommissionBasisPoints = Commission.DefaultBasisPoints,
                SubmittedAt = now,
                DecidedAt = now,
                DecidedBy = DecidedBy,
            });
            db.Sellers.Add(new SellerAccount
            {
                SellerId = demo.SellerId,
                UserId = demo.UserId,
                ApplicationId = demo.ApplicationId,
                BusinessName = demo.BusinessName,
                ContactEmail = demo.ContactEmail,
                PayoutAccount = demo.PayoutAccount,
                CommissionBasisPoints = Commission.DefaultBasisPoints,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another instance seeded them at the same moment (one transaction, so all of them); its rows are as good as ours.
            db.ChangeTracker.Clear();
            LogSeededElsewhere();
            return;
        }

        foreach (var demo in missing)
        {
            LogDemoSellerCreated(demo.BusinessName, demo.SellerId);
        }
    }

    [LoggerMessage(LogLevel.Information, "Created demo seller {BusinessName} ({SellerId})")]
    private partial void LogDemoSellerCreated(string businessName, Guid sellerId);

    [LoggerMessage(LogLevel.Information, "Demo sellers were seeded concurrently by another instance")]
    private partial void LogSeededElsewhere();
}
