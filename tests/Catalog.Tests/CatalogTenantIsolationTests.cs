using System.Net;
using System.Net.Http.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Catalog.API.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static AspireShop.Catalog.Tests.CatalogRequests;

namespace AspireShop.Catalog.Tests;

/// <summary>
/// Row-level security on <c>offers</c>, below the service's own ownership checks: connected as the service connects (the
/// server's superuser) and switched to its role <c>catalog_app</c>, every tenant reads every offer (the product page shows
/// all sellers'), but only the offer's seller or a tenant that sees all writes it; without a tenant nothing is writable.
/// </summary>
public sealed class CatalogTenantIsolationTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private const string InsufficientPrivilege = "42501";

    private CatalogApp App => fixture.App;

    [Fact]
    public async Task TheServicesRoleWithoutATenantReadsOffersButCannotWriteAny()
    {
        var seller = TestUser.NewSeller();
        var sku = (await App.As(seller).CreateProductAsync()).Variants[0].Id;
        var price = await App.QueryScalarAsync<decimal>("SELECT price FROM offers WHERE sku_id = $1", sku);
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, $"SET ROLE {CatalogContext.TenantRole}");

        Assert.Equal(1, await CountAsync(connection, $"sku_id = '{sku}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE offers SET price = 0.01 WHERE sku_id = '{sku}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM offers WHERE sku_id = '{sku}'"));
        var inserted = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, InsertOfferSql(sku, Guid.NewGuid())));
        Assert.Equal(InsufficientPrivilege, inserted.SqlState);
        Assert.Equal(price, await App.QueryScalarAsync<decimal>("SELECT price FROM offers WHERE sku_id = $1", sku));
    }

    [Fact]
    public async Task TheServicesRoleMayUseItsTablesButNotRewriteTheMigrationsHistory()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT has_table_privilege('{CatalogContext.TenantRole}', 'offers', 'INSERT'),
                   has_table_privilege('{CatalogContext.TenantRole}', 'products', 'INSERT'),
                   has_table_privilege('{CatalogContext.TenantRole}', 'outbox', 'INSERT'),
                   has_table_privilege('{CatalogContext.TenantRole}', '"__EFMigrationsHistory"', 'INSERT'),
                   (SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = 'offers')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();

        Assert.Equal((true, true, true, false, true), (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4)));
    }

    [Fact]
    public async Task SellerAReadsSellerBsOfferButCannotChangeDeleteOrForgeOne()
    {
        var (a, b) = (TestUser.NewSeller(), TestUser.NewSeller());
        var sku = (await App.As(a).CreateProductAsync()).Variants[0].Id;
        using (var offered = await App.As(b).PutAsJsonAsync($"/api/catalog/skus/{sku}/offers/{b.SellerId}", new { price = 99.50m }, Json))
        {
            offered.EnsureSuccessStatusCode();
        }

        await using var connection = await OpenAsync();
        await TenantIsolation.ApplyAsync(connection, CatalogContext.TenantRole, Tenant.Seller(a.SellerId!.Value));

        Assert.Equal(2, await CountAsync(connection, $"sku_id = '{sku}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE offers SET price = 0.01 WHERE sku_id = '{sku}' AND seller_id = '{b.SellerId}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM offers WHERE sku_id = '{sku}' AND seller_id = '{b.SellerId}'"));
        var forged = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, InsertOfferSql(sku, Guid.NewGuid())));
        Assert.Equal(InsufficientPrivilege, forged.SqlState);
        var moved = await Assert.ThrowsAsync<PostgresException>(
            () => ExecuteAsync(connection, $"UPDATE offers SET seller_id = '{b.SellerId}', price = 1 WHERE sku_id = '{sku}' AND seller_id = '{a.SellerId}'"));
        Assert.Equal(InsufficientPrivilege, moved.SqlState);
        Assert.Equal(1, await ExecuteAsync(connection, $"UPDATE offers SET price = 120 WHERE sku_id = '{sku}' AND seller_id = '{a.SellerId}'"));

        // Through the service's own context: a query that names B's offer changes nothing for A, and B's offer for everyone.
        Assert.Equal(0, await InScopeAsync(Tenant.Seller(a.SellerId!.Value), db => db.Offers.Where(o => o.SkuId == sku && o.SellerId == b.SellerId).ExecuteDeleteAsync()));
        Assert.Equal(0, await InScopeAsync(Tenant.None, db => db.Offers.Where(o => o.SkuId == sku).ExecuteUpdateAsync(s => s.SetProperty(o => o.Price, 0.01m))));
        Assert.Equal(2, await InScopeAsync(Tenant.Buyer(Guid.NewGuid()), db => db.Offers.CountAsync(o => o.SkuId == sku)));
        Assert.Equal(99.50m, await App.QueryScalarAsync<decimal>("SELECT price FROM offers WHERE sku_id = $1 AND seller_id = $2", sku, b.SellerId!.Value));
        Assert.Equal(1, await InScopeAsync(Tenant.Everyone, db => db.Offers.Where(o => o.SkuId == sku && o.SellerId == b.SellerId).ExecuteUpdateAsync(s => s.SetProperty(o => o.Price, 98m))));
    }

    [Fact]
    public async Task AnAdminWithdrawsAnySellersOfferAndASellerItsOwnThroughTheApi()
    {
        var (a, b) = (TestUser.NewSeller(), TestUser.NewSeller());
        var product = await App.As(a).CreateProductAsync();
        var (first, second) = (product.Variants[0].Id, product.Variants[1].Id);

        using var byAdmin = await App.As(TestUser.NewAdmin()).DeleteAsync($"/api/catalog/skus/{first}/offers/{a.SellerId}");
        using var byOwner = await App.As(a).DeleteAsync($"/api/catalog/skus/{second}/offers/{a.SellerId}");
        using var byOther = await App.As(b).PutAsJsonAsync($"/api/catalog/skus/{first}/offers/{b.SellerId}", new { price = 10m }, Json);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.OK), (byAdmin.StatusCode, byOwner.StatusCode, byOther.StatusCode));
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM offers WHERE sku_id = ANY($1)", new[] { first, second }));
    }

    private async Task<T> InScopeAsync<T>(Tenant tenant, Func<CatalogContext, Task<T>> work)
    {
        await using var scope = App.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Current = tenant;
        return await work(scope.ServiceProvider.GetRequiredService<CatalogContext>());
    }

    private static string InsertOfferSql(Guid sku, Guid seller) =>
        $"INSERT INTO offers (sku_id, seller_id, price, currency, updated_at) VALUES ('{sku}', '{seller}', 1, 'USD', now())";

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(App.DatabaseConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string where)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM offers WHERE {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
