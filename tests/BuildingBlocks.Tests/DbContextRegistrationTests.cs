using AspireShop.BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AspireShop.BuildingBlocks.Tests;

/// <summary>What every service's context gets from <see cref="DbContextRegistration"/>; no database needed to see it.</summary>
public sealed class DbContextRegistrationTests
{
    [Theory]
    [InlineData(true, null, true)]
    [InlineData(false, null, false)]
    // Configuration can still turn retries off (the migrate tests do, to fail fast on an unreachable database).
    [InlineData(true, "true", false)]
    public void TheContextGetsTheSharedDefaultsAndItsRetryChoice(bool retryOnFailure, string? disableRetry, bool retries)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:testdb"] = "Host=127.0.0.1;Database=testdb;Username=u;Password=p";
        builder.Configuration["Aspire:Npgsql:EntityFrameworkCore:PostgreSQL:DisableRetry"] = disableRetry;
        builder.AddServiceDbContext<TestContext>("testdb", retryOnFailure);

        using var host = builder.Build();
        using var scope = host.Services.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<TestContext>();

        Assert.Equal(retries, context.Database.CreateExecutionStrategy().RetriesOnFailure);
        var connection = new NpgsqlConnectionStringBuilder(context.Database.GetConnectionString());
        Assert.Equal((64, 2), (connection.MaxAutoPrepare, connection.AutoPrepareMinUsages));
        Assert.Single(context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()!.Interceptors!.OfType<DbTransactionInterceptor>());
    }

    private sealed class TestContext(DbContextOptions<TestContext> options) : DbContext(options);
}
