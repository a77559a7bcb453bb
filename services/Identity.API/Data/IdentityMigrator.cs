using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AspireShop.Identity.API.Data;

/// <summary>Applies the EF Core migrations: what the <c>migrate</c> step runs before any identity instance starts.</summary>
public static class IdentityMigrator
{
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdentityContext>();
        // On a fresh database EF otherwise logs a spurious "Failed executing DbCommand" error (npgsql/efcore.pg#3407).
        await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await context.Database.MigrateAsync(cancellationToken);
    }
}
