using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AspireShop.Inventory.API.Data;

/// <summary>Applies the EF Core migrations: what the <c>migrate</c> step runs before any inventory instance starts.</summary>
public static class InventoryMigrator
{
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<InventoryContext>();
        // On a fresh database EF otherwise logs a spurious "Failed executing DbCommand" error (npgsql/efcore.pg#3407).
        await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await context.Database.MigrateAsync(cancellationToken);
    }
}
