using AspireShop.Search.API.Data;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Search.Tests;

/// <summary>search_tx_visible: a change event's 32-bit xid against a rebuild snapshot's 64-bit xmin/xmax/xip.</summary>
public sealed class SnapshotVisibilityTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    private const long Epoch = 1L << 32;

    [Theory]
    [InlineData(90L, 100L, 110L, true)] // committed before xmin
    [InlineData(105L, 100L, 110L, true)] // between xmin and xmax, not in progress
    [InlineData(103L, 100L, 110L, false)] // in progress when the snapshot was taken
    [InlineData(110L, 100L, 110L, false)] // xmax and later started after the snapshot
    [InlineData(4_000L, 100L, 110L, false)]
    [InlineData(Epoch + 105L, Epoch + 100L, Epoch + 110L, true)] // the snapshot is in the second epoch; events carry only 32 bits
    [InlineData(Epoch + 120L, Epoch + 100L, Epoch + 110L, false)]
    [InlineData(Epoch - 5L, Epoch - 10L, Epoch + 3L, true)] // xmin and xmax straddle the wraparound
    [InlineData(Epoch + 1L, Epoch - 10L, Epoch + 3L, true)]
    [InlineData(Epoch + 3L, Epoch - 10L, Epoch + 3L, false)]
    public async Task MatchesPostgresVisibilityRules(long xid, long xmin, long xmax, bool visible)
    {
        await using var database = NpgsqlDataSource.Create(await infrastructure.CreateDatabaseAsync("visibility"));
        await SearchSchema.EnsureCreatedAsync(database, CancellationToken.None);
        await using var command = database.CreateCommand("SELECT search_tx_visible($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter { Value = xid & 0xFFFF_FFFF });
        command.Parameters.Add(new NpgsqlParameter { Value = xmin });
        command.Parameters.Add(new NpgsqlParameter { Value = xmax });
        command.Parameters.Add(new NpgsqlParameter { Value = new[] { xmin + 3 } });
        Assert.Equal(visible, (bool)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public void ParsesPostgresSnapshotText()
    {
        var (xmin, xmax, xip) = CatalogSnapshotReader.ParseSnapshot("10:20:12,15");
        Assert.Equal((10L, 20L), (xmin, xmax));
        Assert.Equal([12L, 15L], xip);
        Assert.Empty(CatalogSnapshotReader.ParseSnapshot("7:7:").Xip);
    }
}
