using System.Diagnostics;
using System.Text.Json;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireShop.BuildingBlocks.Tests;

public sealed class OutboxTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    private sealed record PriceChanged(string Sku, decimal Price);

    [Fact]
    public async Task EventIsWrittenWithTheStateChangeAndVanishesWithARollback()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        var kept = OutboxEvent.Create("offer", "sku-1", new PriceChanged("sku-1", 9.99m));
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await OutboxWriter.WriteAsync(connection, transaction, kept);
            await transaction.CommitAsync();
        }

        var dropped = OutboxEvent.Create("offer", "sku-2", new PriceChanged("sku-2", 1m));
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await OutboxWriter.WriteAsync(connection, transaction, [dropped, OutboxEvent.Create("offer", "sku-3", new PriceChanged("sku-3", 2m))]);
            await transaction.RollbackAsync();
        }

        await using var query = new NpgsqlCommand("SELECT id, aggregatetype, aggregateid, type, payload::text FROM outbox", connection);
        await using var reader = await query.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(kept.Id, reader.GetGuid(0));
        Assert.Equal(("offer", "sku-1", nameof(PriceChanged)), (reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        Assert.Equal(9.99m, JsonDocument.Parse(reader.GetString(4)).RootElement.GetProperty("price").GetDecimal());
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public void EventCarriesTheCurrentTraceContext()
    {
        using var activity = new Activity("place-order").SetIdFormat(ActivityIdFormat.W3C).Start();
        var e = OutboxEvent.Create("order", "o-1", new PriceChanged("x", 1m));
        Assert.Equal(activity.Id, e.TraceParent);
        Assert.Equal(7, e.Id.Version);
    }

    [Fact]
    public async Task EfCoreSavesTheEventInTheSameSaveChanges()
    {
        var connectionString = await CreateDatabaseAsync();
        var options = new DbContextOptionsBuilder<ShopContext>().UseNpgsql(connectionString).Options;

        var e = OutboxEvent.Create("offer", "sku-9", new PriceChanged("sku-9", 5m));
        await using (var context = new ShopContext(options))
        {
            context.AddOutboxEvent(e);
            await context.SaveChangesAsync();
        }

        await using (var context = new ShopContext(options))
        {
            var saved = await context.Set<OutboxMessage>().SingleAsync();
            Assert.Equal((e.Id, "offer", "sku-9"), (saved.Id, saved.AggregateType, saved.AggregateId));

            await using var transaction = await context.Database.BeginTransactionAsync();
            Assert.True(await context.TryRecordInboxAsync("search", e.Id.ToString()));
            Assert.False(await context.TryRecordInboxAsync("search", e.Id.ToString()));
            Assert.True(await context.TryRecordInboxAsync("inventory", e.Id.ToString()));
            await transaction.CommitAsync();
        }
    }

    private async Task<string> CreateDatabaseAsync()
    {
        var connectionString = await infrastructure.CreateDatabaseAsync("outbox");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(OutboxSchema.CreateAll, connection);
        await create.ExecuteNonQueryAsync();
        return connectionString;
    }

    private sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddOutboxAndInbox();
    }
}
