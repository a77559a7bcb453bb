using System.Net;
using System.Net.Http.Json;
using AspireShop.TestKit;
using Microsoft.AspNetCore.Mvc;

namespace AspireShop.Inventory.Tests;

/// <summary>The first Done-when: a race for the last units of a normal SKU never oversells.</summary>
public sealed class StockRaceTests(InventoryFixture fixture) : IClassFixture<InventoryFixture>
{
    private InventoryApp App => fixture.App;

    [Fact]
    public async Task TwoHundredBuyersRacingForTheLastFiftyUnitsGetExactlyFifty()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 50);
        var buyers = Enumerable.Range(0, 200).Select(_ => App.As(TestUser.NewBuyer())).ToList();
        // An async gate: blocking 200 pool threads would starve the server under test.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = buyers.Select(client => Task.Run(async () =>
        {
            await start.Task;
            using var response = await client.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId = seller.SellerId, quantity = 1 });
            return (response.StatusCode, Problem: response.StatusCode == HttpStatusCode.Conflict ? await Json.ReadAsync<ProblemDetails>(response) : null);
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        Assert.Equal(50, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(150, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.All(results.Where(r => r.Problem is not null), r => Assert.Equal("0", r.Problem!.Extensions["available"]!.ToString()));

        Assert.Equal((50, 50, 0), Trim(await App.StockAsync(skuId, seller.SellerId!.Value)));
        Assert.Equal(50L, await App.QueryScalarAsync<long>(
            "SELECT coalesce(sum(quantity), 0) FROM reservations WHERE sku_id = $1 AND status = 'active'", skuId));
        Assert.Equal(0L, await App.QueryScalarAsync<long>(
            "SELECT count(*) FROM stock_movements WHERE sku_id = $1 AND (on_hand_after < 0 OR reserved_after < 0 OR reserved_after > on_hand_after)", skuId));

        // One event per change (the offer's empty row, the seller's stock, 50 holds), versions strictly increasing, ending at 0.
        var events = await App.AvailabilityEventsAsync(skuId, seller.SellerId!.Value);
        Assert.Equal(52, events.Count);
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.Second.Version > pair.First.Version), "versions must strictly increase");
        Assert.Equal((0, 50), (events[0].Available, events[1].Available));
        Assert.Equal(0, events[^1].Available);
        Assert.True(events.All(e => e.Available >= 0));

        foreach (var buyer in buyers)
        {
            buyer.Dispose();
        }
    }

    [Fact]
    public async Task TheDatabaseItselfRefusesNegativeOrOversoldStock()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 3);
        foreach (var sql in new[]
        {
            "UPDATE stock SET reserved = on_hand + 1 WHERE sku_id = $1",
            "UPDATE stock SET on_hand = -1 WHERE sku_id = $1",
            "UPDATE stock SET reserved = -1 WHERE sku_id = $1",
        })
        {
            var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => App.QueryScalarAsync<object>(sql, skuId));
            Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, error.SqlState);
        }

        Assert.Equal((3, 0, 3), Trim(await App.StockAsync(skuId, seller.SellerId!.Value)));
    }

    private static (int, int, int) Trim((int OnHand, int Reserved, int Available, long Version)? stock) =>
        stock is { } s ? (s.OnHand, s.Reserved, s.Available) : throw new InvalidOperationException("No stock row.");
}
