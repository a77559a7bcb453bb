using AspireShop.BuildingBlocks.Outbox;
using Npgsql;

namespace AspireShop.Catalog.API.Data;

/// <summary>
/// Creates the placeholder's tables at start. Wave 1 · 3 replaces this with EF Core migrations run by a migration step.
/// </summary>
public sealed class CatalogSchema(NpgsqlDataSource database) : IHostedService
{
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS ping_events (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS ping_receipts (id uuid PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now());
        """;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(OutboxSchema.CreateAll + Tables);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
