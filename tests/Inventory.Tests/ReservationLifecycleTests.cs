using System.Net;
using System.Net.Http.Json;
using AspireShop.TestKit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace AspireShop.Inventory.Tests;

/// <summary>Release, confirm, resize and retried creates: each changes stock exactly once.</summary>
public sealed class ReservationLifecycleTests(InventoryFixture fixture) : IClassFixture<InventoryFixture>
{
    private InventoryApp App => fixture.App;

    [Fact]
    public async Task ReleasingTwiceReturnsTheUnitsOnce()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 10);
        using var client = App.As(TestUser.NewBuyer());
        var reservation = await ReserveAsync(client, skuId, seller.SellerId!.Value, 4);

        using var first = await client.DeleteAsync($"/api/inventory/reservations/{reservation.Id}");
        using var second = await client.DeleteAsync($"/api/inventory/reservations/{reservation.Id}");
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);

        var stock = (await App.StockAsync(skuId, seller.SellerId!.Value))!.Value;
        Assert.Equal((10, 0, 10, 4L), (stock.OnHand, stock.Reserved, stock.Available, stock.Version));
        Assert.Equal("released", (await client.GetFromJsonAsync<ReservationBody>($"/api/inventory/reservations/{reservation.Id}", Json.Options))!.Status);
    }

    [Fact]
    public async Task ConfirmTurnsTheHoldIntoASaleOnce()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 10);
        using var client = App.As(TestUser.NewBuyer());
        var reservation = await ReserveAsync(client, skuId, seller.SellerId!.Value, 3);
        // Selling is a service's call (the order path), never the buyer's.
        using var service = App.As(TestUser.NewService());

        using var confirm = await service.PostAsync($"/api/inventory/reservations/{reservation.Id}/confirm", null);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal("confirmed", (await Json.ReadAsync<ReservationBody>(confirm)).Status);
        using var again = await service.PostAsync($"/api/inventory/reservations/{reservation.Id}/confirm", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var release = await client.DeleteAsync($"/api/inventory/reservations/{reservation.Id}");
        Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);

        var stock = (await App.StockAsync(skuId, seller.SellerId!.Value))!.Value;
        Assert.Equal((7, 0, 7), (stock.OnHand, stock.Reserved, stock.Available));
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM stock_movements WHERE reservation_id = $1 AND kind = 'confirm'", reservation.Id));
    }

    [Fact]
    public async Task ARetriedCreateWithTheSameIdempotencyKeyHoldsOnce()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 10);
        using var client = App.As(TestUser.NewBuyer());
        var key = Guid.NewGuid().ToString();
        var attempts = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/inventory/reservations")
            {
                Content = JsonContent.Create(new { skuId, sellerId = seller.SellerId, quantity = 2 }),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await Json.ReadAsync<ReservationBody>(response)).Id;
        }));

        Assert.Single(attempts.Distinct());
        Assert.Equal((10, 2, 8), Counts(await App.StockAsync(skuId, seller.SellerId!.Value)));
    }

    [Fact]
    public async Task ACallerWhoseReplyWasLostFindsTheHoldByItsKeyOrReleasesIt()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 10);
        var sellerId = seller.SellerId!.Value;
        var buyer = TestUser.NewBuyer();
        using var cart = App.As(TestUser.NewService());
        var (made, neverMade) = ($"cart:{Guid.NewGuid():N}", $"cart:{Guid.NewGuid():N}");
        string ByKey(string key) => $"/api/inventory/reservations?skuId={skuId}&sellerId={sellerId}&holderId={buyer.Id}&idempotencyKey={key}";

        var hold = await Json.ReadAsync<ReservationBody>(await SendReserveAsync(cart, skuId, sellerId, buyer.Id, made));
        var found = await cart.GetFromJsonAsync<ReservationBody>(ByKey(made), Json.Options);
        Assert.Equal((hold.Id, "active", 2), (found!.Id, found.Status, found.Quantity));
        using (var missing = await cart.GetAsync(ByKey(neverMade)))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // Someone else's holds are not the buyer's to look up; the key itself must be named.
        using (var other = await App.As(TestUser.NewBuyer()).GetAsync(ByKey(made)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }

        using (var noKey = await cart.GetAsync($"/api/inventory/reservations?skuId={skuId}&sellerId={sellerId}&holderId={buyer.Id}"))
        {
            Assert.Contains("idempotencyKey", (await Json.ReadAsync<HttpValidationProblemDetails>(noKey)).Errors.Keys);
        }

        // Release by key: the hold made with it goes back; a key that made none is taken, so a late request holds nothing.
        foreach (var key in new[] { made, neverMade, made })
        {
            using var released = await cart.DeleteAsync(ByKey(key));
            Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        }

        Assert.Equal((10, 0, 10), Counts(await App.StockAsync(skuId, sellerId)));
        using var late = await SendReserveAsync(cart, skuId, sellerId, buyer.Id, neverMade);
        Assert.Equal("released", (await Json.ReadAsync<ReservationBody>(late)).Status);
        Assert.Equal((10, 0, 10), Counts(await App.StockAsync(skuId, sellerId)));
    }

    public static async Task<HttpResponseMessage> SendReserveAsync(HttpClient client, Guid skuId, Guid sellerId, Guid holderId, string key, int quantity = 2)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/inventory/reservations")
        {
            Content = JsonContent.Create(new { skuId, sellerId, quantity, holderId }),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task ResizingGrowsOnlyWithinStockAndRestartsTheTtl()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 5);
        using var client = App.As(TestUser.NewBuyer());
        var reservation = await ReserveAsync(client, skuId, seller.SellerId!.Value, 2);

        using var tooMany = await client.PutAsJsonAsync($"/api/inventory/reservations/{reservation.Id}", new { quantity = 6 });
        Assert.Equal(HttpStatusCode.Conflict, tooMany.StatusCode);
        Assert.Equal("3", (await Json.ReadAsync<ProblemDetails>(tooMany)).Extensions["available"]!.ToString());

        using var grow = await client.PutAsJsonAsync($"/api/inventory/reservations/{reservation.Id}", new { quantity = 5, ttlSeconds = 600 });
        Assert.Equal(HttpStatusCode.OK, grow.StatusCode);
        var grown = await Json.ReadAsync<ReservationBody>(grow);
        Assert.Equal(5, grown.Quantity);
        Assert.InRange(grown.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(590), TimeSpan.FromSeconds(601));
        Assert.Equal((5, 5, 0), Counts(await App.StockAsync(skuId, seller.SellerId!.Value)));

        using var shrink = await client.PutAsJsonAsync($"/api/inventory/reservations/{reservation.Id}", new { quantity = 1 });
        Assert.Equal(HttpStatusCode.OK, shrink.StatusCode);
        Assert.Equal((5, 1, 4), Counts(await App.StockAsync(skuId, seller.SellerId!.Value)));
    }

    [Fact]
    public async Task TheCartServiceHoldsForABuyerWhoThenSeesTheHold()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 5);
        var buyer = TestUser.NewBuyer();
        using var service = App.As(TestUser.NewService());

        using var missingHolder = await service.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId = seller.SellerId, quantity = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, missingHolder.StatusCode);
        Assert.True((await Json.ReadAsync<HttpValidationProblemDetails>(missingHolder)).Errors.ContainsKey("holderId"));

        using var created = await service.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId = seller.SellerId, quantity = 1, holderId = buyer.Id });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var reservation = await Json.ReadAsync<ReservationBody>(created);
        Assert.Equal(buyer.Id, reservation.HolderId);

        using var asBuyer = App.As(buyer);
        using var read = await asBuyer.GetAsync($"/api/inventory/reservations/{reservation.Id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task AvailabilityIsPublicAndShapedForCatalog()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 7);
        using var anonymous = App.Anonymous();
        var body = await anonymous.GetFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>($"/api/inventory/availability/{skuId}/{seller.SellerId}");
        Assert.Equal(7, body!["available"].GetInt32());
        // Version 1 is the row Catalog's offer event created; 2 the seller's stock.
        Assert.Equal(2, body["version"].GetInt64());
        Assert.Equal(skuId, body["skuId"].GetGuid());

        using var missing = await anonymous.GetAsync($"/api/inventory/availability/{Guid.NewGuid()}/{seller.SellerId}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task SellersSetAndAdjustOnHandButNeverBelowWhatIsReserved()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 5);
        using var buyer = App.As(TestUser.NewBuyer());
        await ReserveAsync(buyer, skuId, seller.SellerId!.Value, 3);
        using var client = App.As(seller);

        using var tooLow = await client.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{seller.SellerId}", new { onHand = 2 });
        Assert.Equal(HttpStatusCode.Conflict, tooLow.StatusCode);
        using var adjustTooLow = await client.PostAsJsonAsync($"/api/inventory/stock/{skuId}/{seller.SellerId}/adjustments", new { delta = -3, reason = "damaged" });
        Assert.Equal(HttpStatusCode.Conflict, adjustTooLow.StatusCode);

        using var adjust = await client.PostAsJsonAsync($"/api/inventory/stock/{skuId}/{seller.SellerId}/adjustments", new { delta = 10, reason = "delivery" });
        Assert.Equal(HttpStatusCode.OK, adjust.StatusCode);
        Assert.Equal((15, 3, 12), Counts(await App.StockAsync(skuId, seller.SellerId!.Value)));
        using var set = await client.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{seller.SellerId}", new { onHand = 3 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal((3, 3, 0), Counts(await App.StockAsync(skuId, seller.SellerId!.Value)));
    }

    public static async Task<ReservationBody> ReserveAsync(HttpClient client, Guid skuId, Guid sellerId, int quantity, int? ttlSeconds = null)
    {
        using var response = await client.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId, quantity, ttlSeconds });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Json.ReadAsync<ReservationBody>(response);
    }

    private static (int, int, int) Counts((int OnHand, int Reserved, int Available, long Version)? stock) =>
        stock is { } s ? (s.OnHand, s.Reserved, s.Available) : throw new InvalidOperationException("No stock row.");
}
