using System.Net;
using System.Net.Http.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Extensions;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireShop.Inventory.Tests;

/// <summary>
/// Row-level security on <c>stock</c>, <c>stock_movements</c> and <c>flash_sales</c>, below the service's own ownership
/// checks: connected as the service connects (the server's superuser) and switched to its role <c>inventory_app</c>, every
/// tenant reads all stock (availability is public), but only the row's seller or a tenant that sees all (the platform's
/// reservations, order stock, write-back; admins) writes it; without a tenant nothing is writable.
/// </summary>
public sealed class InventoryTenantIsolationTests(TenantIsolatedInventoryFixture fixture) : IClassFixture<TenantIsolatedInventoryFixture>
{
    private const string InsufficientPrivilege = "42501";

    private InventoryApp App => fixture.App;

    [Fact]
    public async Task TheServicesRoleWithoutATenantReadsStockButCannotWriteAny()
    {
        var (sku, seller) = await App.CreateStockAsync(onHand: 10);
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, $"SET ROLE {InventoryDatabase.TenantRole}");

        Assert.Equal(1, await CountAsync(connection, "stock", $"sku_id = '{sku}'"));
        Assert.True(await CountAsync(connection, "stock_movements", $"sku_id = '{sku}'") > 0);
        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE stock SET on_hand = 0 WHERE sku_id = '{sku}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM stock_movements WHERE sku_id = '{sku}'"));
        var inserted = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, InsertMovementSql(sku, seller.SellerId!.Value)));
        Assert.Equal(InsufficientPrivilege, inserted.SqlState);
        Assert.Equal(10, (await App.StockAsync(sku, seller.SellerId!.Value))!.Value.OnHand);
    }

    [Fact]
    public async Task TheServicesRoleMayUseItsTablesButNotRewriteTheMigrationsHistory()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT has_table_privilege('{InventoryDatabase.TenantRole}', 'stock', 'UPDATE'),
                   has_table_privilege('{InventoryDatabase.TenantRole}', 'reservations', 'INSERT'),
                   has_table_privilege('{InventoryDatabase.TenantRole}', 'outbox', 'INSERT'),
                   has_table_privilege('{InventoryDatabase.TenantRole}', '"__EFMigrationsHistory"', 'INSERT'),
                   (SELECT count(*) FILTER (WHERE relrowsecurity AND relforcerowsecurity) FROM pg_class
                    WHERE relname IN ('stock', 'stock_movements', 'flash_sales') AND relkind = 'r')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();

        Assert.Equal((true, true, true, false, 3L), (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetInt64(4)));
    }

    [Fact]
    public async Task SellerAReadsSellerBsStockButCannotChangeDeleteOrForgeIt()
    {
        var (skuA, a) = await App.CreateStockAsync(onHand: 10);
        var (skuB, b) = await App.CreateStockAsync(onHand: 20);
        var (sellerA, sellerB) = (a.SellerId!.Value, b.SellerId!.Value);
        await using var connection = await OpenAsync();
        await TenantIsolation.ApplyAsync(connection, InventoryDatabase.TenantRole, Tenant.Seller(sellerA));

        Assert.Equal(1, await CountAsync(connection, "stock", $"sku_id = '{skuB}' AND seller_id = '{sellerB}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE stock SET on_hand = 0 WHERE sku_id = '{skuB}' AND seller_id = '{sellerB}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM stock WHERE sku_id = '{skuB}' AND seller_id = '{sellerB}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE stock_movements SET reason = 'forged' WHERE seller_id = '{sellerB}'"));
        var forged = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, InsertMovementSql(skuB, sellerB)));
        Assert.Equal(InsufficientPrivilege, forged.SqlState);
        var moved = await Assert.ThrowsAsync<PostgresException>(
            () => ExecuteAsync(connection, $"UPDATE stock SET seller_id = '{sellerB}' WHERE sku_id = '{skuA}' AND seller_id = '{sellerA}'"));
        Assert.Equal(InsufficientPrivilege, moved.SqlState);
        Assert.Equal(1, await ExecuteAsync(connection, $"UPDATE stock SET on_hand = 11 WHERE sku_id = '{skuA}' AND seller_id = '{sellerA}'"));

        // Through the service's own connections: A's tenant changes nothing of B's, the platform's tenant may.
        var db = App.Services.GetRequiredService<InventoryDatabase>();
        await using (var asA = await db.OpenConnectionAsync(Tenant.Seller(sellerA), CancellationToken.None))
        {
            Assert.Equal(0, await ExecuteAsync(asA, $"UPDATE stock SET on_hand = 0 WHERE sku_id = '{skuB}' AND seller_id = '{sellerB}'"));
        }

        Assert.Equal(20, (await App.StockAsync(skuB, sellerB))!.Value.OnHand);
        await using (var asPlatform = await db.OpenConnectionAsync(Tenant.Everyone, CancellationToken.None))
        {
            Assert.Equal(1, await ExecuteAsync(asPlatform, $"UPDATE stock SET on_hand = 21 WHERE sku_id = '{skuB}' AND seller_id = '{sellerB}'"));
        }
    }

    [Fact]
    public async Task SellersWriteTheirOwnStockAndFlashSalesAndBuyersReserveAnySellersThroughTheApi()
    {
        var (sku, seller) = await App.CreateStockAsync(onHand: 10);
        using var client = App.As(seller);

        using var adjust = await client.PostAsJsonAsync($"/api/inventory/stock/{sku}/{seller.SellerId}/adjustments", new { delta = 5, reason = "delivery" });
        using var sale = await client.PostAsJsonAsync("/api/inventory/flash-sales", new { skuId = sku, sellerId = seller.SellerId, quantity = 3, endsAt = DateTimeOffset.UtcNow.AddMinutes(5) });
        using var reserve = await App.As(TestUser.NewBuyer()).PostAsJsonAsync("/api/inventory/reservations", new { skuId = sku, sellerId = seller.SellerId, quantity = 2 });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.Created), (adjust.StatusCode, sale.StatusCode, reserve.StatusCode));
        var saleId = (await sale.Content.ReadFromJsonAsync<FlashSaleBody>(Json.Options))!.Id;
        using var close = await client.PostAsync($"/api/inventory/flash-sales/{saleId}/close", null);
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        Assert.Equal((15, 2), ((await App.StockAsync(sku, seller.SellerId!.Value))!.Value.OnHand, (await App.StockAsync(sku, seller.SellerId!.Value))!.Value.Reserved));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheSettingDecidesWhetherConnectionsWorkAsTheRole(bool isolated)
    {
        await using var dataSource = NpgsqlDataSource.Create(App.DatabaseConnectionString);
        var db = new InventoryDatabase(dataSource, Options.Create(new InventoryOptions { TenantIsolation = isolated }));
        await using var connection = await db.OpenConnectionAsync(Tenant.Seller(Guid.NewGuid()), CancellationToken.None);
        await using var command = new NpgsqlCommand("SELECT current_user = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = InventoryDatabase.TenantRole });

        Assert.Equal(isolated, await command.ExecuteScalarAsync());
    }

    private static string InsertMovementSql(Guid sku, Guid seller) =>
        $"""
        INSERT INTO stock_movements (sku_id, seller_id, kind, reserved_delta, on_hand_after, reserved_after, version, created_at)
        VALUES ('{sku}', '{seller}', 'adjust', 0, 1000, 0, 999, now())
        """;

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

    private static async Task<long> CountAsync(NpgsqlConnection connection, string table, string where)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>An inventory app with <c>Inventory:TenantIsolation</c> on, whatever the service's default.</summary>
public sealed class TenantIsolatedInventoryFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public InventoryApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        App = await InventoryApp.StartAsync(Infrastructure, new Dictionary<string, string?> { ["Inventory:TenantIsolation"] = "true" });
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}
