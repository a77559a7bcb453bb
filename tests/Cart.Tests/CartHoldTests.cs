using System.Net;
using System.Net.Http.Json;
using AspireShop.Cart.API.Apis;
using AspireShop.Cart.API.Services;
using AspireShop.TestKit;
using StackExchange.Redis;
using static AspireShop.Cart.Tests.CartRequests;

namespace AspireShop.Cart.Tests;

/// <summary>Cart lines and the Inventory holds behind them, end to end through the real Catalog and Inventory.</summary>
public sealed class CartHoldTests(CartFixture fixture) : IClassFixture<CartFixture>
{
    private CartApp Cart => fixture.Cart;

    private InventoryHost Inventory => fixture.Inventory;

    [Fact]
    public async Task ItemsFromTwoSellersShowPricesHoldsAndTotalsPerCurrency()
    {
        var buyer = TestUser.NewBuyer();
        var jacket = await fixture.NewOfferAsync(stock: 10, price: 25.00m, currency: "USD");
        var scarf = await fixture.NewOfferAsync(stock: 10, price: 10.50m, currency: "EUR");
        var client = Cart.As(buyer);
        var before = DateTimeOffset.UtcNow;

        using var first = await client.AddAsync(jacket, 2);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var cart = await client.AddOkAsync(scarf, 3);

        Assert.Equal(2, cart.Lines.Count);
        foreach (var (offer, quantity) in new[] { (jacket, 2), (scarf, 3) })
        {
            var line = cart.LineOf(offer);
            Assert.Equal(offer.ProductId, line.ProductId);
            Assert.Equal(offer.ProductTitle, line.ProductTitle);
            Assert.Equal(offer.SkuCode, line.SkuCode);
            Assert.True(line.Attributes.ContainsKey("size"));
            Assert.Equal(offer.Price, line.UnitPrice);
            Assert.Equal(offer.Currency, line.Currency);
            Assert.Equal(quantity, line.Quantity);
            Assert.Equal(offer.Price * quantity, line.LineTotal);
            Assert.Equal(HoldStatus.Held, line.HoldStatus);
            // The default hold is 15 minutes.
            Assert.InRange(line.HoldExpiresAt, before.AddMinutes(14), before.AddMinutes(16));

            var reservation = await Inventory.ReservationAsync(line.ReservationId);
            Assert.Equal(("active", quantity, buyer.Id), (reservation.Status, reservation.Quantity, reservation.HolderId));
            Assert.Equal((offer.SkuId, offer.SellerId), (reservation.SkuId, reservation.SellerId));
            Assert.Equal(10 - quantity, await Inventory.AvailableAsync(offer));
        }

        Assert.Equal(
            [new CartTotal("EUR", 3, 31.50m), new CartTotal("USD", 2, 50.00m)],
            cart.Totals);
        AssertSame(cart.Lines, (await client.GetCartAsync()).Lines);

        // One hash per buyer, deleted by Redis after 30 idle days.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Cart.RedisConnectionString);
        var key = $"{Cart.RedisPrefix}cart:{buyer.Id:N}";
        Assert.Equal(2, await redis.GetDatabase().HashLengthAsync(key));
        Assert.InRange((await redis.GetDatabase().KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30));
    }

    [Fact]
    public async Task APriceChangeInCatalogReachesTheCartsCachedOfferThroughItsChangeEvents()
    {
        var seller = TestUser.NewSeller();
        var offer = (await fixture.Catalog.CreateOffersAsync(seller, (25.00m, "USD")))[0];
        await Inventory.SetStockAsync(seller, offer.SkuId, offer.SellerId, 10);
        var first = await Cart.As(TestUser.NewBuyer()).AddOkAsync(offer, 1);
        Assert.Equal(25.00m, first.LineOf(offer).UnitPrice);

        using var repriced = await fixture.Catalog.As(seller).PutAsJsonAsync($"/api/catalog/skus/{offer.SkuId}/offers/{offer.SellerId}", new { price = 27.50m, currency = "USD" });
        Assert.True(repriced.IsSuccessStatusCode, await repriced.Content.ReadAsStringAsync());

        // What the cart prices the next line from: the cached offer, removed by the offers topic's event.
        await Poll.UntilAsync(
            async () => (await Cart.Service<OfferCache>().GetAsync(offer.SkuId, offer.SellerId, CancellationToken.None))!.Price,
            price => price == 27.50m,
            TimeSpan.FromSeconds(20),
            price => $"the cart still prices at {price}");
        var second = await Cart.As(TestUser.NewBuyer()).AddOkAsync(offer, 1);
        Assert.Equal(27.50m, second.LineOf(offer).UnitPrice);
    }

    [Fact]
    public async Task AddingTheSameOfferAgainGrowsTheLineAndItsHold()
    {
        var offer = await fixture.NewOfferAsync(stock: 10);
        var client = Cart.As(TestUser.NewBuyer());
        var first = (await client.AddOkAsync(offer, 2)).LineOf(offer);

        using var again = await client.AddAsync(offer, 3);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var line = (await client.GetCartAsync()).LineOf(offer);
        Assert.Equal(5, line.Quantity);
        Assert.Equal(first.ReservationId, line.ReservationId);
        Assert.Equal(5, (await Inventory.ReservationAsync(line.ReservationId)).Quantity);
        Assert.Equal(5, await Inventory.AvailableAsync(offer));

        // More than 99 on one line is refused and changes nothing.
        using var tooMany = await client.AddAsync(offer, 95);
        Assert.Contains("quantity", await ValidationErrorsAsync(tooMany));
        Assert.Equal(5, (await client.GetCartAsync()).LineOf(offer).Quantity);
    }

    [Fact]
    public async Task ChangingTheQuantityResizesTheHold()
    {
        var offer = await fixture.NewOfferAsync(stock: 10);
        var client = Cart.As(TestUser.NewBuyer());
        var reservationId = (await client.AddOkAsync(offer, 2)).LineOf(offer).ReservationId;

        foreach (var quantity in new[] { 7, 1 })
        {
            using var response = await client.SetQuantityAsync(offer, quantity);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var line = (await client.GetCartAsync()).LineOf(offer);
            Assert.Equal((quantity, reservationId, HoldStatus.Held), (line.Quantity, line.ReservationId, line.HoldStatus));
            Assert.Equal(quantity, (await Inventory.ReservationAsync(reservationId)).Quantity);
            Assert.Equal(10 - quantity, await Inventory.AvailableAsync(offer));
        }
    }

    [Fact]
    public async Task RemovingALineReleasesItsHold()
    {
        var offer = await fixture.NewOfferAsync(stock: 10);
        var other = await fixture.NewOfferAsync(stock: 10);
        var client = Cart.As(TestUser.NewBuyer());
        await client.AddOkAsync(other, 1);
        var reservationId = (await client.AddOkAsync(offer, 4)).LineOf(offer).ReservationId;
        Assert.Equal(6, await Inventory.AvailableAsync(offer));

        using var response = await client.RemoveAsync(offer);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cart = await client.GetCartAsync();
        Assert.Equal(other.SkuId, Assert.Single(cart.Lines).SkuId);
        Assert.Equal("released", (await Inventory.ReservationAsync(reservationId)).Status);
        Assert.Equal(10, await Inventory.AvailableAsync(offer));
        await ProblemAsync(await client.RemoveAsync(offer), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OutOfStockIs409WithWhatIsLeftAndChangesNothing()
    {
        var offer = await fixture.NewOfferAsync(stock: 3);
        var client = Cart.As(TestUser.NewBuyer());

        using var tooMany = await client.AddAsync(offer, 5);
        var problem = await ProblemAsync(tooMany, HttpStatusCode.Conflict);
        Assert.Equal(3, problem["available"]!.GetValue<int>());
        Assert.Empty((await client.GetCartAsync()).Lines);
        Assert.Equal(3, await Inventory.AvailableAsync(offer));

        var line = (await client.AddOkAsync(offer, 2)).LineOf(offer);

        using var grow = await client.SetQuantityAsync(offer, 5);
        Assert.Equal(1, (await ProblemAsync(grow, HttpStatusCode.Conflict))["available"]!.GetValue<int>());
        using var addMore = await client.AddAsync(offer, 2);
        Assert.Equal(1, (await ProblemAsync(addMore, HttpStatusCode.Conflict))["available"]!.GetValue<int>());

        AssertSame(line, (await client.GetCartAsync()).LineOf(offer));
        Assert.Equal(2, (await Inventory.ReservationAsync(line.ReservationId)).Quantity);
        Assert.Equal(1, await Inventory.AvailableAsync(offer));
    }

    [Fact]
    public async Task AnOfferInventoryHasNoStockForIs409WithNothingAvailable()
    {
        // Listed in the catalog, but the seller never set stock: Inventory refuses the hold.
        var offer = (await fixture.Catalog.CreateOffersAsync(TestUser.NewSeller(), (5m, "USD")))[0];
        var client = Cart.As(TestUser.NewBuyer());

        using var response = await client.AddAsync(offer, 1);

        Assert.Equal(0, (await ProblemAsync(response, HttpStatusCode.Conflict))["available"]!.GetValue<int>());
        Assert.Empty((await client.GetCartAsync()).Lines);
    }

    [Fact]
    public async Task ABuyerNeverSeesOrChangesAnotherBuyersCart()
    {
        var offer = await fixture.NewOfferAsync(stock: 10);
        var alice = Cart.As(TestUser.NewBuyer());
        var bob = Cart.As(TestUser.NewBuyer());
        var line = (await alice.AddOkAsync(offer, 2)).LineOf(offer);

        Assert.Empty((await bob.GetCartAsync()).Lines);
        await ProblemAsync(await bob.SetQuantityAsync(offer, 9), HttpStatusCode.NotFound);
        await ProblemAsync(await bob.RemoveAsync(offer), HttpStatusCode.NotFound);

        AssertSame(line, (await alice.GetCartAsync()).LineOf(offer));
        Assert.Equal(2, (await Inventory.ReservationAsync(line.ReservationId)).Quantity);
    }

    [Fact]
    public async Task ALineWhoseHoldExpiredShowsItAndCanBeHeldAgain()
    {
        await using var shortHolds = fixture.NewCart(new Dictionary<string, string?> { ["Cart:HoldTtl"] = "00:00:02" });
        var offer = await fixture.NewOfferAsync(stock: 5);
        var more = await fixture.NewOfferAsync(stock: 5);
        var client = shortHolds.As(TestUser.NewBuyer());
        var held = (await client.AddOkAsync(offer, 2)).LineOf(offer);
        await client.AddOkAsync(more, 1);
        Assert.Equal(HoldStatus.Held, held.HoldStatus);

        // The abandoned cart: nothing calls the cart, Inventory's TTL gives the units back.
        var expired = await Poll.UntilAsync(
            async () => (await client.GetCartAsync()).LineOf(offer),
            l => l.HoldStatus == HoldStatus.Expired,
            TimeSpan.FromSeconds(15),
            l => $"hold {l.HoldStatus} until {l.HoldExpiresAt:O}");
        AssertSame(held with { HoldStatus = HoldStatus.Expired }, expired);
        await Poll.UntilAsync(() => Inventory.AvailableAsync(offer), a => a == 5, TimeSpan.FromSeconds(15), a => $"available {a}");
        Assert.NotEqual("active", (await Inventory.ReservationAsync(held.ReservationId)).Status);

        // Holding it again takes a new reservation for the line's quantity.
        using var hold = await client.HoldAgainAsync(offer);
        Assert.Equal(HttpStatusCode.OK, hold.StatusCode);
        var renewed = (await client.GetCartAsync()).LineOf(offer);
        Assert.Equal((HoldStatus.Held, 2), (renewed.HoldStatus, renewed.Quantity));
        Assert.NotEqual(held.ReservationId, renewed.ReservationId);
        Assert.Equal(("active", 2), ((await Inventory.ReservationAsync(renewed.ReservationId)) is var r ? (r.Status, r.Quantity) : default));
        Assert.Equal(3, await Inventory.AvailableAsync(offer));

        // Changing the quantity of an expired line holds it again too.
        await Poll.UntilAsync(
            async () => (await client.GetCartAsync()).LineOf(more),
            l => l.HoldStatus == HoldStatus.Expired,
            TimeSpan.FromSeconds(15),
            l => $"hold {l.HoldStatus} until {l.HoldExpiresAt:O}");
        using var change = await client.SetQuantityAsync(more, 4);
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        var changed = (await client.GetCartAsync()).LineOf(more);
        Assert.Equal((HoldStatus.Held, 4), (changed.HoldStatus, changed.Quantity));
        Assert.Equal(4, (await Inventory.ReservationAsync(changed.ReservationId)).Quantity);
    }

    [Fact]
    public async Task ConcurrentAddsOfOneBuyerLoseNothing()
    {
        var offers = await fixture.NewOffersAsync(50, Enumerable.Range(0, 8).Select(i => (10m + i, "USD")).ToArray());
        var repeated = offers[0];
        var client = Cart.As(TestUser.NewBuyer());

        // Eight different lines and six more adds of the first one, all at once.
        var adds = offers.Select(o => client.AddAsync(o, 1)).Concat(Enumerable.Range(0, 6).Select(_ => client.AddAsync(repeated, 1))).ToList();
        var responses = await Task.WhenAll(adds);
        foreach (var response in responses)
        {
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            response.Dispose();
        }

        var cart = await client.GetCartAsync();
        Assert.Equal(8, cart.Lines.Count);
        Assert.Equal(7, cart.LineOf(repeated).Quantity);
        foreach (var line in cart.Lines)
        {
            var offer = offers.Single(o => o.SkuId == line.SkuId);
            Assert.Equal(line.Quantity, (await Inventory.ReservationAsync(line.ReservationId)).Quantity);
            // No hold leaked by an attempt that lost a race: exactly the line's units are held.
            Assert.Equal(50 - line.Quantity, await Inventory.AvailableAsync(offer));
        }
    }
}
