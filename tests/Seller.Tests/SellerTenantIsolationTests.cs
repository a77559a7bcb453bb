using AspireShop.BuildingBlocks.Data;
using AspireShop.Seller.API.Data;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireShop.Seller.Tests;

/// <summary>
/// Row-level security in <c>sellerdb</c>, below the service's own checks: connected as the service connects (the
/// server's superuser) and switched to its role <c>seller_app</c>, a query sees only the tenant's rows, and none without one.
/// </summary>
public sealed class SellerTenantIsolationTests(SellerFixture fixture) : IClassFixture<SellerFixture>
{
    private const string InsufficientPrivilege = "42501";

    private SellerApp App => fixture.App;

    [Fact]
    public async Task TheServicesRoleWithoutATenantReadsNothing()
    {
        await App.OnboardAsync();
        await App.ApplyAsync(TestUser.NewBuyer());
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        Assert.True(await CountAsync(connection, "sellers") > 0);

        await ExecuteAsync(connection, $"SET ROLE {SellerContext.TenantRole}");

        Assert.Equal((0, 0), (await CountAsync(connection, "sellers"), await CountAsync(connection, "seller_applications")));
        // The service's own context, in a scope nobody set a tenant for: the same nothing.
        var seen = await App.InScopeAsync(Tenant.None, async db => (await db.Sellers.CountAsync(), await db.Applications.CountAsync()));
        Assert.Equal((0, 0), seen);
    }

    [Fact]
    public async Task TheServicesRoleMayUseItsTablesButNotRewriteTheMigrationsHistory()
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT has_table_privilege('{SellerContext.TenantRole}', 'sellers', 'INSERT'),
                   has_table_privilege('{SellerContext.TenantRole}', 'outbox', 'INSERT'),
                   has_table_privilege('{SellerContext.TenantRole}', '"__EFMigrationsHistory"', 'INSERT'),
                   (SELECT bool_and(relrowsecurity AND relforcerowsecurity) FROM pg_class WHERE relname IN ('sellers', 'seller_applications'))
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();

        Assert.Equal((true, true, false, true), (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3)));
    }

    [Fact]
    public async Task SellerAReadsNoneOfSellerBsRowsAndCannotWriteThem()
    {
        var (_, a) = await App.OnboardAsync();
        var (_, b) = await App.OnboardAsync();
        var (sellerA, sellerB) = (a.SellerId!.Value, b.SellerId!.Value);
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await TenantIsolation.ApplyAsync(connection, SellerContext.TenantRole, Tenant.Seller(sellerA));

        Assert.Equal(1, await CountAsync(connection, "sellers"));
        Assert.Equal(0, await CountAsync(connection, "sellers", $"seller_id = '{sellerB}'"));
        Assert.Equal(1, await CountAsync(connection, "seller_applications"));
        Assert.Equal(0, await CountAsync(connection, "seller_applications", $"id = '{b.Id}'"));

        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE sellers SET commission_basis_points = 0 WHERE seller_id = '{sellerB}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM seller_applications WHERE id = '{b.Id}'"));
        var inserted = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, $"""
            INSERT INTO sellers (seller_id, user_id, application_id, business_name, contact_email, payout_account, commission_basis_points, created_at, updated_at)
            VALUES ('{sellerB}', '{Guid.NewGuid()}', '{Guid.NewGuid()}', 'Forged', 'f@example.com', 'DE89370400440532013000', 0, now(), now())
            """));
        Assert.Equal(InsufficientPrivilege, inserted.SqlState);
        var moved = await Assert.ThrowsAsync<PostgresException>(
            () => ExecuteAsync(connection, $"UPDATE sellers SET seller_id = '{sellerB}' WHERE seller_id = '{sellerA}'"));
        Assert.Equal(InsufficientPrivilege, moved.SqlState);

        // Through the service's context too: a query naming B's id finds nothing for A, and everything for everyone.
        Assert.Null(await App.InScopeAsync(Tenant.Seller(sellerA), db => db.Sellers.AsNoTracking().SingleOrDefaultAsync(s => s.SellerId == sellerB)));
        var all = await App.InScopeAsync(Tenant.Everyone, db => db.Sellers.AsNoTracking().Where(s => s.SellerId == sellerA || s.SellerId == sellerB).CountAsync());
        Assert.Equal(2, all);
        var untouched = await App.InScopeAsync(Tenant.Everyone, db => db.Sellers.AsNoTracking().SingleAsync(s => s.SellerId == sellerB));
        Assert.Equal(1000, untouched.CommissionBasisPoints);
    }

    [Fact]
    public async Task AnApplicantSeesOnlyItsOwnApplicationsAndNoSeller()
    {
        var applicant = TestUser.NewBuyer();
        var mine = await App.ApplyAsync(applicant);
        var theirs = await App.ApplyAsync(TestUser.NewBuyer());
        await App.OnboardAsync();

        var seen = await App.InScopeAsync(Tenant.Buyer(applicant.Id), async db =>
            (await db.Applications.AsNoTracking().Select(a => a.Id).ToListAsync(), await db.Sellers.CountAsync()));

        Assert.Equal([mine.Id], seen.Item1);
        Assert.DoesNotContain(theirs.Id, seen.Item1);
        Assert.Equal(0, seen.Item2);
    }

    [Fact]
    public async Task APooledConnectionUsedBySellerAThenByNoTenantSeesNothing()
    {
        await using var app = await SellerApp.StartAsync(fixture.Infrastructure, maxPoolSize: 1);
        var (_, a) = await app.OnboardAsync();
        await app.OnboardAsync();

        var byA = await app.InScopeAsync(Tenant.Seller(a.SellerId!.Value), async db => (await BackendPidAsync(db), await db.Sellers.CountAsync()));
        var byNone = await app.InScopeAsync(Tenant.None, async db => (await BackendPidAsync(db), await db.Sellers.CountAsync()));
        var byEveryone = await app.InScopeAsync(Tenant.Everyone, db => db.Sellers.CountAsync());

        Assert.Equal(byA.Item1, byNone.Item1);
        Assert.Equal((1, 0, 2), (byA.Item2, byNone.Item2, byEveryone));
    }

    private static Task<int> BackendPidAsync(SellerContext db) =>
        db.Database.SqlQueryRaw<int>("SELECT pg_backend_pid() AS \"Value\"").SingleAsync();

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string table, string where = "true")
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
