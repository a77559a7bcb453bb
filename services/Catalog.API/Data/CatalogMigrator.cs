using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AspireShop.Catalog.API.Data;

/// <summary>Applies the EF Core migrations: what the <c>migrate</c> step runs before any catalog instance starts.</summary>
public static class CatalogMigrator
{
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<CatalogContext>();
        // On a fresh database EF otherwise logs a spurious "Failed executing DbCommand" error (npgsql/efcore.pg#3407).
        await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await context.Database.MigrateAsync(cancellationToken);
    }
}
