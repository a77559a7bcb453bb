using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.API.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireShop.Inventory.API.Data;

/// <summary>
/// Every connection Inventory opens: from the service's data source, switched to <see cref="TenantRole"/> for the tenant
/// the caller names (<see cref="TenantIsolation.ApplyAsync"/>), so row-level security on the seller-owned tables
/// (<c>stock</c>, <c>stock_movements</c>, <c>flash_sales</c>) decides whose rows it may write: everyone reads, a seller
/// writes its own, the platform (<see cref="Tenant.Everyone"/>: reservations, order stock, write-back, workers) any.
/// <c>Inventory:TenantIsolation</c> = false opens plain connections (the superuser bypasses every policy).
/// </summary>
public sealed class InventoryDatabase
{
    public const string TenantRole = "inventory_app";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _isolated;

    public InventoryDatabase(NpgsqlDataSource dataSource, IOptions<InventoryOptions> options)
    {
        _dataSource = dataSource;
        _isolated = options.Value.TenantIsolation;
        // The pool's reset is what takes the role and the tenant off a returned connection.
        if (_isolated && new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).NoResetOnClose)
        {
            throw new InvalidOperationException("Inventory:TenantIsolation needs the pool's reset: remove 'No Reset On Close' from ConnectionStrings:inventorydb.");
        }
    }

    /// <summary>
    /// One statement as the service's own login, outside any tenant: for reads (every tenant may read every row) and for
    /// tables without row-level security; a write to a protected table goes through <see cref="OpenConnectionAsync"/>.
    /// </summary>
    public NpgsqlCommand CreateCommand(string sql) => _dataSource.CreateCommand(sql);

    public async Task<NpgsqlConnection> OpenConnectionAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        if (!_isolated)
        {
            return connection;
        }

        try
        {
            await TenantIsolation.ApplyAsync(connection, TenantRole, tenant, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
