using AspireShop.Catalog.API.Extensions;

namespace AspireShop.Catalog.Tests;

/// <summary>The <c>migrate</c> process argument, as the AppHost's catalog-migrations resource runs it.</summary>
public sealed class MigrationTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    private const string Tables = """
        SELECT string_agg(relname || ':' || relreplident::text, ',' ORDER BY relname)
        FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace
        """;

    [Fact]
    public async Task MigrateCreatesTheSchemaWithFullReplicaIdentityAndIsRepeatable()
    {
        var database = await infrastructure.CreateDatabaseAsync("catalog_migrate");

        Assert.Equal(0, await MigrateAsync(database));
        Assert.Equal(0, await MigrateAsync(database));

        Assert.Equal(
            "__EFMigrationsHistory:d,inbox:d,offers:f,outbox:d,products:f,skus:f",
            await SeederTests.QueryAsync(database, Tables));
    }

    [Fact]
    public async Task MigrateFailsWithANonZeroExitCodeWhenTheDatabaseIsUnreachable()
    {
        var unreachable = $"Host=127.0.0.1;Port={TestPorts.Free()};Database=catalogdb;Username=postgres;Password=x;Timeout=2";
        Assert.Equal(1, await MigrateAsync(unreachable, "--Aspire:Npgsql:EntityFrameworkCore:PostgreSQL:DisableRetry=true"));
    }

    private static Task<int> MigrateAsync(string database, params string[] extra) =>
        CatalogCommands.RunAsync([CatalogCommands.Migrate, $"--ConnectionStrings:catalogdb={database}", "--Logging:LogLevel:Default=None", .. extra]);
}
