using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AspireShop.BuildingBlocks.Data;

/// <summary>
/// The one way a service registers its EF Core context: Aspire's <c>AddNpgsqlDbContext</c> with <see cref="DbContextDefaults"/>,
/// or, for a tenant-isolated service, a per-scope context with the same defaults and <see cref="TenantIsolation"/>.
/// </summary>
public static class DbContextRegistration
{
    /// <summary>
    /// Registers <typeparamref name="TContext"/> (pooled unless tenant-isolated, with Aspire's health check and telemetry) on the connection
    /// <paramref name="connectionName"/>. <paramref name="retryOnFailure"/> <c>false</c> turns off EF's retrying
    /// execution strategy, for a service whose writes are explicit transactions its callers retry whole.
    /// <paramref name="tenantRole"/> makes the context tenant-isolated: every connection it opens works as that role for
    /// the scope's <see cref="TenantContext"/> (<see cref="TenantIsolation"/>), outside the migrate step.
    /// </summary>
    public static void AddServiceDbContext<TContext>(
        this IHostApplicationBuilder builder, string connectionName, bool retryOnFailure = true, string? tenantRole = null)
        where TContext : DbContext
    {
        if (tenantRole is not null)
        {
            builder.AddTenantIsolatedDbContext<TContext>(connectionName, retryOnFailure, tenantRole);
            return;
        }

        builder.AddNpgsqlDbContext<TContext>(
            connectionName,
            settings =>
            {
                // Only ever turned off here: with it on, configuration (Aspire:Npgsql:EntityFrameworkCore:PostgreSQL) still decides.
                if (!retryOnFailure)
                {
                    settings.DisableRetry = true;
                }

                settings.ConnectionString = DbContextDefaults.ConnectionString(settings.ConnectionString);
            },
            DbContextDefaults.Configure);
    }

    /// <summary>
    /// Not pooled: a pooled context's options are shared by every scope, and the interceptor needs the scope's tenant.
    /// Aspire still adds its health check and telemetry; the retry choice is made the same way as above.
    /// </summary>
    private static void AddTenantIsolatedDbContext<TContext>(this IHostApplicationBuilder builder, string connectionName, bool retryOnFailure, string tenantRole)
        where TContext : DbContext
    {
        var retry = retryOnFailure;
        string? configuredConnectionString = null;
        builder.Services.TryAddScoped<TenantContext>();
        builder.Services.AddDbContext<TContext>((services, options) =>
        {
            var configured = builder.Configuration.GetConnectionString(connectionName) ?? configuredConnectionString;
            if (string.IsNullOrEmpty(configured))
            {
                throw new InvalidOperationException($"ConnectionString is missing: set 'ConnectionStrings:{connectionName}'.");
            }

            // The pool's reset is what takes a tenant off a returned connection: no setting may turn it off here.
            var connectionString = new NpgsqlConnectionStringBuilder(DbContextDefaults.ConnectionString(configured)) { NoResetOnClose = false };
            options.UseNpgsql(connectionString.ConnectionString, npgsql =>
            {
                if (retry)
                {
                    npgsql.EnableRetryOnFailure();
                }
            });
            DbContextDefaults.Configure(options);
            options.AddInterceptors(new TenantConnectionInterceptor(services.GetRequiredService<TenantContext>(), tenantRole));
        });
        builder.EnrichNpgsqlDbContext<TContext>(settings =>
        {
            retry &= !settings.DisableRetry;
            configuredConnectionString = settings.ConnectionString;
            // Retries are configured above; Aspire's own patching assumes the pooled registration.
            settings.DisableRetry = true;
        });
    }
}
