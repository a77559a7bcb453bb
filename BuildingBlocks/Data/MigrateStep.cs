using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireShop.BuildingBlocks.Data;

/// <summary>
/// The one-shot <c>migrate</c> step every service with a database runs instead of its web host (the AppHost's
/// <c>&lt;service&gt;-migrations</c> resource, which the service waits for), so no instance starts on an old schema.
/// </summary>
public static partial class MigrateStep
{
    public const string Command = "migrate";

    /// <summary>Applies <typeparamref name="TContext"/>'s EF Core migrations.</summary>
    public static async Task MigrateAsync<TContext>(IServiceProvider services, CancellationToken cancellationToken = default)
        where TContext : DbContext
    {
        await using var scope = services.CreateAsyncScope();
        // It creates the tables and the tenant role, so it works as the connecting user, never as the role.
        if (scope.ServiceProvider.GetService<TenantContext>() is { } tenant)
        {
            tenant.IsSchemaOwner = true;
        }

        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        // On a fresh database EF otherwise logs a spurious "Failed executing DbCommand" error (npgsql/efcore.pg#3407).
        await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await context.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>
    /// Builds a host with <paramref name="configure"/>'s registrations, migrates, then runs <paramref name="then"/>
    /// (seeding); 0 on success, 1 with the failure logged, which the AppHost shows as a failed step.
    /// </summary>
    public static async Task<int> RunAsync<TContext>(
        string[] args, Action<HostApplicationBuilder> configure, Func<IServiceProvider, Task>? then = null)
        where TContext : DbContext
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddServiceDefaults();
        configure(builder);

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MigrateStep));
        try
        {
            await MigrateAsync<TContext>(host.Services);
            LogMigrated(logger, typeof(TContext).Name);
            if (then is not null)
            {
                await using var scope = host.Services.CreateAsyncScope();
                // Seeding belongs to the step too: it writes every tenant's rows.
                if (scope.ServiceProvider.GetService<TenantContext>() is { } tenant)
                {
                    tenant.IsSchemaOwner = true;
                }

                await then(scope.ServiceProvider);
            }

            return 0;
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, string.Join(' ', args));
            return 1;
        }
    }

    [LoggerMessage(LogLevel.Information, "{Database} migrated")]
    private static partial void LogMigrated(ILogger logger, string database);

    [LoggerMessage(LogLevel.Critical, "{Command} failed")]
    private static partial void LogFailed(ILogger logger, Exception error, string command);
}
