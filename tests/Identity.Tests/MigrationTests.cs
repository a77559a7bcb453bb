using AspireShop.Identity.API.Extensions;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Identity.Tests;

/// <summary>The <c>migrate</c> process argument, as the AppHost's identity-migrations resource runs it.</summary>
public sealed class MigrationTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    [Fact]
    public async Task MigrateCreatesTheSchemaKeysAndDemoUsersAndIsRepeatable()
    {
        var database = await infrastructure.CreateDatabaseAsync("identity_migrate");

        Assert.Equal(0, await MigrateAsync(database, "--Identity:SeedDemoUsers=true", "--Identity:Clients:cart:Secret=s3cret"));
        var keys = await QueryAsync(database, "SELECT string_agg(use || ':' || key_id, ',' ORDER BY use) FROM signing_keys");
        Assert.Equal(0, await MigrateAsync(database, "--Identity:SeedDemoUsers=true", "--Identity:Clients:cart:Secret=s3cret"));

        Assert.Equal(keys, await QueryAsync(database, "SELECT string_agg(use || ':' || key_id, ',' ORDER BY use) FROM signing_keys"));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await QueryAsync(database, "SELECT private_key_pem FROM signing_keys WHERE use = 'sig'"));
        Assert.Equal(
            "admin@aspireshop.dev:{admin}:,buyer@aspireshop.dev:{buyer}:,seller-a@aspireshop.dev:{seller}:e64c1720-3a41-ce05-66b6-ea56b18ecd2f,seller-b@aspireshop.dev:{seller}:47d0abb4-4208-fb83-ca56-6adb46e9ed5a",
            await QueryAsync(database, "SELECT string_agg(email || ':' || roles::text || ':' || coalesce(seller_id::text, ''), ',' ORDER BY email) FROM users"));
        // Clients belong to the service's start, which has their configuration.
        Assert.Equal("0", await QueryAsync(database, "SELECT count(*)::text FROM \"OpenIddictApplications\""));
    }

    [Fact]
    public async Task WithoutSeedDemoUsersThereAreNoUsers()
    {
        var database = await infrastructure.CreateDatabaseAsync("identity_nodemo");

        // Explicit: an environment's appsettings (Development turns seeding on) must not decide this test.
        Assert.Equal(0, await MigrateAsync(database, "--Identity:SeedDemoUsers=false"));

        Assert.Equal("0", await QueryAsync(database, "SELECT count(*)::text FROM users"));
    }

    [Fact]
    public async Task MigrateFailsWithANonZeroExitCodeWhenTheDatabaseIsUnreachable()
    {
        var unreachable = $"Host=127.0.0.1;Port={TestPorts.Free()};Database=identitydb;Username=postgres;Password=x;Timeout=2";
        Assert.Equal(1, await MigrateAsync(unreachable, "--Aspire:Npgsql:EntityFrameworkCore:PostgreSQL:DisableRetry=true"));
    }

    private static Task<int> MigrateAsync(string database, params string[] extra) =>
        IdentityCommands.RunAsync([IdentityCommands.Migrate, $"--ConnectionStrings:identitydb={database}", "--Logging:LogLevel:Default=None", .. extra]);

    private static async Task<string?> QueryAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (await command.ExecuteScalarAsync())?.ToString();
    }
}
