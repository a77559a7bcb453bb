extern alias CatalogApi;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Catalog.API.Data;
using AspireShop.Inventory.Contracts;
using Npgsql;

namespace AspireShop.Catalog.Tests;

/// <summary>
/// The catalog service in-process (its real Program) on the fixture's Postgres (a fresh database), Redis and Kafka,
/// with the database migrated exactly as the <c>migrate</c> step does it. Inventory's address is a local port nobody
/// listens on: the product page must answer without it.
/// </summary>
public sealed class CatalogApp : ServiceHost<CatalogApi::Program>
{
    private CatalogApp(IReadOnlyDictionary<string, string?> settings, string databaseConnectionString)
        : base(settings)
    {
        DatabaseConnectionString = databaseConnectionString;
    }

    public string DatabaseConnectionString { get; }

    public static async Task<CatalogApp> StartAsync(InfrastructureFixture infrastructure, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        // Exact names the service subscribes to; creating an existing topic again is harmless.
        await infrastructure.CreateNamedTopicAsync(AvailabilityChanged.Topic);
        var database = await infrastructure.CreateDatabaseAsync("catalog");

        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:catalogdb"] = database,
            ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            // Every app in this process reads every availability event itself, as a separate catalog deployment would.
            ["Messaging:Consumers:catalog.availability:GroupId"] = $"catalog.availability.test-{Guid.NewGuid():N}",
            ["Catalog:Inventory:BaseAddress"] = $"http://127.0.0.1:{TestPorts.Free()}",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = new CatalogApp(settings, database);
        await MigrateStep.MigrateAsync<CatalogContext>(app.Services);
        return app;
    }

    public async Task<T?> QueryScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }
}

/// <summary>One catalog app (and database) shared by the tests of a class; tests use their own products.</summary>
public sealed class CatalogFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public CatalogApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        App = await CatalogApp.StartAsync(Infrastructure);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}
