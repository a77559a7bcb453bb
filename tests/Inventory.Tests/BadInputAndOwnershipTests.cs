using System.Net;
using System.Net.Http.Json;
using System.Text;
using AspireShop.TestKit;
using Microsoft.AspNetCore.Http;

namespace AspireShop.Inventory.Tests;

/// <summary>Bad input is a 400 naming the field and reserves nothing; other people's stock and holds are out of reach.</summary>
public sealed class BadInputAndOwnershipTests(InventoryFixture fixture) : IClassFixture<InventoryFixture>
{
    private InventoryApp App => fixture.App;

    [Theory]
    [InlineData("""{"quantity":-1}""", "quantity")]
    [InlineData("""{"quantity":0}""", "quantity")]
    [InlineData("""{"quantity":1000000}""", "quantity")]
    [InlineData("""{"quantity":1,"ttlSeconds":0}""", "ttlSeconds")]
    [InlineData("""{"quantity":1,"ttlSeconds":86401}""", "ttlSeconds")]
    [InlineData("""{"quantity":"two"}""", "quantity")]
    [InlineData("""{"quantity":1,"unknownSku":true}""", "skuId")]
    public async Task BadReservationRequestsAre400NamingTheFieldAndReserveNothing(string fields, string field)
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 5);
        var target = field == "skuId" ? Guid.NewGuid() : skuId;
        var json = fields.Replace("{", $$"""{"skuId":"{{target}}","sellerId":"{{seller.SellerId}}",""", StringComparison.Ordinal);
        using var client = App.As(TestUser.NewBuyer());

        using var response = await client.PostAsync("/api/inventory/reservations", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json.ReadAsync<HttpValidationProblemDetails>(response);
        Assert.Contains(field, problem.Errors.Keys);
        await AssertNothingReservedAsync(skuId, seller.SellerId!.Value);
    }

    [Theory]
    [InlineData("{\"skuId\": ")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public async Task MalformedJsonIs400NotA500(string body)
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 5);
        using var client = App.As(TestUser.NewBuyer());

        using var response = await client.PostAsync("/api/inventory/reservations", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingReservedAsync(skuId, seller.SellerId!.Value);
    }

    [Fact]
    public async Task EveryMappedRouteIsInTheOpenApiDocument()
    {
        using var client = fixture.App.Anonymous();
        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(fixture.App.Services, client));
    }

    [Fact]
    public async Task AnotherSellerCannotSetOrAdjustTheOwnersStock()
    {
        var (skuId, sellerA) = await App.CreateStockAsync(onHand: 5);
        using var sellerB = App.As(TestUser.NewSeller());
        var before = await App.StockAsync(skuId, sellerA.SellerId!.Value);

        using var put = await sellerB.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{sellerA.SellerId}", new { onHand = 500 });
        using var adjust = await sellerB.PostAsJsonAsync($"/api/inventory/stock/{skuId}/{sellerA.SellerId}/adjustments", new { delta = -5 });
        using var sale = await sellerB.PostAsJsonAsync("/api/inventory/flash-sales", new { skuId, sellerId = sellerA.SellerId, quantity = 1, endsAt = DateTimeOffset.UtcNow.AddMinutes(5) });

        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, adjust.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, sale.StatusCode);
        Assert.Equal(before, await App.StockAsync(skuId, sellerA.SellerId!.Value));

        // An admin may act for any seller.
        using var admin = App.As(TestUser.NewAdmin());
        using var byAdmin = await admin.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{sellerA.SellerId}", new { onHand = 6 });
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
    }

    [Fact]
    public async Task ABuyerCannotSeeOrTouchAnotherBuyersReservation()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 5);
        using var owner = App.As(TestUser.NewBuyer());
        var reservation = await ReservationLifecycleTests.ReserveAsync(owner, skuId, seller.SellerId!.Value, 2);
        using var other = App.As(TestUser.NewBuyer());

        using var read = await other.GetAsync($"/api/inventory/reservations/{reservation.Id}");
        using var release = await other.DeleteAsync($"/api/inventory/reservations/{reservation.Id}");
        using var confirm = await other.PostAsync($"/api/inventory/reservations/{reservation.Id}/confirm", null);
        using var resize = await other.PutAsJsonAsync($"/api/inventory/reservations/{reservation.Id}", new { quantity = 1 });
        using var holdForOwner = await other.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId = seller.SellerId, quantity = 1, holderId = reservation.HolderId });

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, release.StatusCode);
        // Confirming is refused to every buyer, before the hold is even looked up.
        Assert.Equal(HttpStatusCode.Forbidden, confirm.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, resize.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, holdForOwner.StatusCode);
        Assert.Equal((5, 2, 3), Counts(await App.StockAsync(skuId, seller.SellerId!.Value)));
    }

    [Fact]
    public async Task AnonymousWritesAre401()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 5);
        using var anonymous = App.Anonymous();

        using var reserve = await anonymous.PostAsJsonAsync("/api/inventory/reservations", new { skuId, sellerId = seller.SellerId, quantity = 1 });
        using var put = await anonymous.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{seller.SellerId}", new { onHand = 1 });
        using var sale = await anonymous.PostAsJsonAsync("/api/inventory/flash-sales", new { skuId, sellerId = seller.SellerId, quantity = 1 });

        Assert.Equal(HttpStatusCode.Unauthorized, reserve.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, sale.StatusCode);
        Assert.Equal((5, 0, 5), Counts(await App.StockAsync(skuId, seller.SellerId!.Value)));
    }

    [Fact]
    public async Task BadStockRequestsAre400NamingTheField()
    {
        var (skuId, seller) = await App.CreateStockAsync(onHand: 5);
        using var client = App.As(seller);

        using var negative = await client.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{seller.SellerId}", new { onHand = -1 });
        using var missing = await client.PutAsJsonAsync($"/api/inventory/stock/{skuId}/{seller.SellerId}", new { });
        using var zero = await client.PostAsJsonAsync($"/api/inventory/stock/{skuId}/{seller.SellerId}/adjustments", new { delta = 0 });

        Assert.Contains("onHand", (await Json.ReadAsync<HttpValidationProblemDetails>(negative)).Errors.Keys);
        Assert.Contains("onHand", (await Json.ReadAsync<HttpValidationProblemDetails>(missing)).Errors.Keys);
        Assert.Contains("delta", (await Json.ReadAsync<HttpValidationProblemDetails>(zero)).Errors.Keys);
        Assert.Equal((5, 0, 5), Counts(await App.StockAsync(skuId, seller.SellerId!.Value)));
    }

    private async Task AssertNothingReservedAsync(Guid skuId, Guid sellerId)
    {
        Assert.Equal((5, 0, 5), Counts(await App.StockAsync(skuId, sellerId)));
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM reservations WHERE seller_id = $1", sellerId));
    }

    private static (int, int, int) Counts((int OnHand, int Reserved, int Available, long Version)? stock) =>
        stock is { } s ? (s.OnHand, s.Reserved, s.Available) : throw new InvalidOperationException("No stock row.");
}
