using System.Net.Http.Json;
using AspireShop.Seller.API.Apis;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Domain;
using AspireShop.Seller.API.Extensions;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Seller.Tests;

/// <summary>
/// The demo sellers behind Identity's demo seller users (<c>Seller:SeedDemoSellers</c>): the <c>migrate</c> step, as the
/// AppHost's seller-migrations resource runs it, and the service's start, which is what the AppHost's environment reaches.
/// </summary>
public sealed class SellerDemoSeedTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    // Identity's IdentitySeeder.DemoSellerA and DemoSellerB, the seller_id claims of seller-a@ and seller-b@aspireshop.dev.
    private const string IdentityDemoSellers = "e64c1720-3a41-ce05-66b6-ea56b18ecd2f,47d0abb4-4208-fb83-ca56-6adb46e9ed5a";

    private const string SellersSql =
        "SELECT string_agg(seller_id || ':' || user_id || ':' || application_id || ':' || business_name || ':' || contact_email || ':' " +
        "|| payout_account || ':' || commission_basis_points, ',' ORDER BY business_name) FROM sellers";

    [Fact]
    public async Task MigrateCreatesBothDemoSellersOnceAndIsRepeatable()
    {
        var database = await infrastructure.CreateDatabaseAsync("seller_demo");

        Assert.Equal(0, await MigrateAsync(database, "--Seller:SeedDemoSellers=true"));
        var seeded = await QueryAsync(database, SellersSql);
        Assert.Equal(0, await MigrateAsync(database, "--Seller:SeedDemoSellers=true"));

        Assert.Equal(seeded, await QueryAsync(database, SellersSql));
        Assert.Equal(
            string.Join(',', SellerSeeder.DemoSellers.Select(s =>
                $"{s.SellerId}:{s.UserId}:{s.ApplicationId}:{s.BusinessName}:{s.ContactEmail}:{s.PayoutAccount}:{Commission.DefaultBasisPoints}")),
            seeded);
        Assert.Equal(IdentityDemoSellers, string.Join(',', SellerSeeder.DemoSellers.Select(s => s.SellerId)));
        Assert.Equal(
            ["Demo Seller A:seller-a@aspireshop.dev", "Demo Seller B:seller-b@aspireshop.dev"],
            SellerSeeder.DemoSellers.Select(s => $"{s.BusinessName}:{s.ContactEmail}"));
        // Valid IBANs, so a demo seller may save its profile unchanged; the API shows them masked.
        Assert.All(SellerSeeder.DemoSellers, s => Assert.Equal(s.PayoutAccount, PayoutAccount.Normalize(s.PayoutAccount)));
        // Each seller comes from an approved application, as onboarding leaves it; nothing is published for Identity.
        Assert.Equal(
            "2:2:0",
            await QueryAsync(database, """
                SELECT (SELECT count(*) FROM seller_applications a JOIN sellers s ON s.application_id = a.id AND s.seller_id = a.seller_id
                        WHERE a.status = 'approved' AND a.user_id = s.user_id AND a.commission_basis_points = s.commission_basis_points)
                    || ':' || (SELECT count(*) FROM seller_applications) || ':' || (SELECT count(*) FROM outbox)
                """));
    }

    [Fact]
    public async Task ReseedingLeavesAnExistingDemoSellerAsAnAdminChangedIt()
    {
        var database = await infrastructure.CreateDatabaseAsync("seller_demo_kept");
        Assert.Equal(0, await MigrateAsync(database, "--Seller:SeedDemoSellers=true"));
        await QueryAsync(database, $"UPDATE sellers SET commission_basis_points = 1500 WHERE seller_id = '{SellerSeeder.DemoSellerA}'");
        await QueryAsync(database, $"DELETE FROM sellers WHERE seller_id = '{SellerSeeder.DemoSellerB}'");
        await QueryAsync(database, $"DELETE FROM seller_applications WHERE seller_id = '{SellerSeeder.DemoSellerB}'");

        Assert.Equal(0, await MigrateAsync(database, "--Seller:SeedDemoSellers=true"));

        Assert.Equal(
            "Demo Seller A:1500,Demo Seller B:1000",
            await QueryAsync(database, "SELECT string_agg(business_name || ':' || commission_basis_points, ',' ORDER BY business_name) FROM sellers"));
    }

    [Fact]
    public async Task WithoutSeedDemoSellersThereAreNoSellers()
    {
        var database = await infrastructure.CreateDatabaseAsync("seller_nodemo");

        // Explicit: what some environment's configuration says must not decide this test.
        Assert.Equal(0, await MigrateAsync(database, "--Seller:SeedDemoSellers=false"));

        Assert.Equal("0:0", await QueryAsync(database, "SELECT (SELECT count(*) FROM sellers) || ':' || (SELECT count(*) FROM seller_applications)"));
    }

    [Fact]
    public async Task AtStartDemoSellerAFindsItsProfileAndASecondStartCreatesNothing()
    {
        var database = await infrastructure.CreateDatabaseAsync("seller_demo_start");
        Assert.Equal(0, await MigrateAsync(database, "--Seller:SeedDemoSellers=false"));
        var seed = new Dictionary<string, string?> { [$"{SellerServiceOptions.Section}:{nameof(SellerServiceOptions.SeedDemoSellers)}"] = "true" };

        // As the service itself seeds: as its role seller_app, under row-level security.
        await using (var app = await SellerApp.OnDatabaseAsync(infrastructure, database, seed))
        {
            // The token Identity issues seller-a@aspireshop.dev: whatever its user id, the seller_id claim is the demo seller's.
            using var sellerA = app.As(new TestUser(Guid.CreateVersion7(), SellerSeeder.DemoSellerA, AspireShopClaims.SellerRole));
            var profile = await sellerA.GetFromJsonAsync<SellerResponse>("/api/sellers/me");
            Assert.Equal((SellerSeeder.DemoSellerA, "Demo Seller A", "seller-a@aspireshop.dev", "DE09**************0001", 1000),
                (profile!.SellerId, profile.BusinessName, profile.ContactEmail, profile.PayoutAccount, profile.CommissionBasisPoints));
        }

        await using (var again = await SellerApp.OnDatabaseAsync(infrastructure, database, seed))
        {
            using var admin = again.As(TestUser.NewAdmin());
            var sellers = await admin.GetFromJsonAsync<SellerList>("/api/sellers");
            Assert.Equal(["Demo Seller A", "Demo Seller B"], sellers!.Items.Select(s => s.BusinessName).Order());
        }

        Assert.Equal("2:2", await QueryAsync(database, "SELECT (SELECT count(*) FROM sellers) || ':' || (SELECT count(*) FROM seller_applications)"));
    }

    private static Task<int> MigrateAsync(string database, params string[] extra) =>
        SellerCommands.RunAsync([SellerCommands.Migrate, $"--ConnectionStrings:sellerdb={database}", "--Logging:LogLevel:Default=None", .. extra]);

    private static async Task<string?> QueryAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (await command.ExecuteScalarAsync())?.ToString();
    }
}
