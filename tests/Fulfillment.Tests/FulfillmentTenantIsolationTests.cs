using AspireShop.BuildingBlocks.Data;
using AspireShop.Fulfillment.API.Data;
using AspireShop.Fulfillment.API.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireShop.Fulfillment.Tests;

/// <summary>
/// The second wall: Postgres' row-level security on fulfillment's seller-owned tables, as the service's database role.
/// Without a tenant it reads nothing; as seller A none of B's rows; as a buyer only its own orders'; and it cannot
/// write into another tenant's rows.
/// </summary>
public sealed class FulfillmentTenantIsolationTests(FulfillmentFixture fixture) : IClassFixture<FulfillmentFixture>
{
    private FulfillmentApp App => fixture.App;

    [Fact]
    public async Task TheServicesRoleWithoutATenantReadsNothing()
    {
        await NewOrderAsync();
        await using var connection = await OpenAsync();
        await using (var role = new NpgsqlCommand($"SET ROLE {Extensions.TenantRole}", connection))
        {
            await role.ExecuteNonQueryAsync();
        }

        Assert.Equal((0L, 0L), (await CountAsync(connection, "shipments"), await CountAsync(connection, "shipment_lines")));
        Assert.Equal((0L, 0L), (await CountAsync(connection, "shipments", Tenant.None), await CountAsync(connection, "shipment_lines", Tenant.None)));
    }

    [Fact]
    public async Task ATenantReadsOnlyItsOwnRows()
    {
        var (sellerA, sellerB, buyer, orderId) = await NewOrderAsync();
        await using var connection = await OpenAsync();

        var asA = await SellersAsync(connection, Tenant.Seller(sellerA));
        var asBuyer = await SellersAsync(connection, Tenant.Buyer(buyer));
        var asOtherBuyer = await SellersAsync(connection, Tenant.Buyer(Guid.NewGuid()));
        var asEveryone = await SellersAsync(connection, Tenant.Everyone, orderId);

        Assert.Equal([sellerA], asA.Distinct());
        Assert.DoesNotContain(sellerB, await SellersAsync(connection, Tenant.Seller(sellerA), table: "shipment_lines"));
        Assert.Equal(new[] { sellerA, sellerB }.Order(), asBuyer.Order());
        Assert.Empty(asOtherBuyer);
        Assert.Equal(new[] { sellerA, sellerB }.Order(), asEveryone.Order());
    }

    [Fact]
    public async Task ATenantCannotChangeOrCreateAnotherTenantsRows()
    {
        var (sellerA, sellerB, buyer, orderId) = await NewOrderAsync();
        await using var connection = await OpenAsync();
        await TenantIsolation.ApplyAsync(connection, Extensions.TenantRole, Tenant.Seller(sellerA));

        await using (var update = new NpgsqlCommand("UPDATE shipments SET status = 'CANCELLED', cancel_reason = 'x' WHERE order_id = $1 AND seller_id = $2", connection))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = orderId });
            update.Parameters.Add(new NpgsqlParameter { Value = sellerB });
            Assert.Equal(0, await update.ExecuteNonQueryAsync());
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO shipments (seller_id, id, order_id, buyer_id, status, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, 'CREATED', 'USD', now(), now())",
            connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = sellerB });
            insert.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
            insert.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
            insert.Parameters.Add(new NpgsqlParameter { Value = buyer });
            var refused = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        Assert.All(await App.ShipmentsAsync(orderId), s => Assert.Equal("CREATED", s.Status));
    }

    [Fact]
    public async Task TheServicesOwnContextWithoutATenantSeesNothing()
    {
        var (_, _, _, orderId) = await NewOrderAsync();
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FulfillmentContext>();

        // A query that forgot the tenant: no filter of its own, and still nothing.
        Assert.Empty(await db.Shipments.IgnoreAutoIncludes().Where(s => s.OrderId == orderId).ToListAsync());
        Assert.Equal(0, await db.ShipmentLines.CountAsync());
    }

    private async Task<(Guid SellerA, Guid SellerB, Guid Buyer, Guid OrderId)> NewOrderAsync()
    {
        var (sellerA, sellerB, buyer) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var order = Orders.Confirmed(buyer, Orders.Line(sellerA), Orders.Line(sellerB), Orders.Line(sellerA));
        Assert.Equal(2, (await App.ConfirmAsync(order)).Count);
        return (sellerA, sellerB, buyer, order.OrderId);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string table, Tenant? tenant = null)
    {
        if (tenant is not null)
        {
            await TenantIsolation.ApplyAsync(connection, Extensions.TenantRole, tenant);
        }

        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task<List<Guid>> SellersAsync(NpgsqlConnection connection, Tenant tenant, Guid? orderId = null, string table = "shipments")
    {
        await TenantIsolation.ApplyAsync(connection, Extensions.TenantRole, tenant);
        await using var select = new NpgsqlCommand($"SELECT seller_id FROM {table}" + (orderId is null ? "" : " WHERE order_id = $1"), connection);
        if (orderId is { } id)
        {
            select.Parameters.Add(new NpgsqlParameter { Value = id });
        }

        var sellers = new List<Guid>();
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sellers.Add(reader.GetGuid(0));
        }

        return sellers;
    }
}
