using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AspireShop.BuildingBlocks.Data;

/// <summary>
/// Every connection an EF context of a tenant-isolated service opens works as <paramref name="role"/> for the scope's
/// tenant (<see cref="TenantIsolation.ApplyAsync"/>), except under the migrate step, which owns the schema.
/// </summary>
internal sealed class TenantConnectionInterceptor(TenantContext tenant, string role) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!tenant.IsSchemaOwner)
        {
            TenantIsolation.Apply(connection, role, tenant.Current);
        }
    }

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        tenant.IsSchemaOwner ? Task.CompletedTask : TenantIsolation.ApplyAsync(connection, role, tenant.Current, cancellationToken);
}
