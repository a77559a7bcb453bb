using System.Net;
using System.Net.Http.Json;
using AspireShop.Fulfillment.API.Apis;
using AspireShop.Fulfillment.API.Domain;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.TestKit;

namespace AspireShop.Fulfillment.Tests;

/// <summary>
/// Who sees and moves which shipment: a seller its own (another's is 404, as if it did not exist), a buyer its own
/// orders' (another's is 404), an admin all; everyone else is turned away.
/// </summary>
public sealed class FulfillmentAccessTests(FulfillmentFixture fixture) : IClassFixture<FulfillmentFixture>
{
    private static readonly string[] Moves = ["pack", "ship", "deliver", "cancel"];

    private FulfillmentApp App => fixture.App;

    [Fact]
    public async Task SellerBGets404OnSellerAsShipmentAndCannotMoveIt()
    {
        var (sellerA, sellerB) = (TestUser.NewSeller(), TestUser.NewSeller());
        var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(sellerA.SellerId!.Value), Orders.Line(sellerB.SellerId!.Value));
        var shipments = await App.ConfirmAsync(order);
        var a = shipments[sellerA.SellerId!.Value];
        using var clientB = App.As(sellerB);

        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"/api/fulfillment/shipments/{a.Id}")).StatusCode);
        foreach (var move in Moves)
        {
            using var response = await clientB.PostAsJsonAsync($"/api/fulfillment/shipments/{a.Id}/{move}", new { carrier = "DHL", trackingNumber = "JD014600" });
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{move}: {(int)response.StatusCode}");
        }

        // Its own part of the same order is its to see; seller A's stays untouched.
        using var own = await clientB.GetAsync($"/api/fulfillment/shipments/{shipments[sellerB.SellerId!.Value].Id}");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var untouched = (await App.ShipmentsAsync(order.OrderId)).Single(s => s.Id == a.Id);
        Assert.Equal((ShipmentStatus.Created, null), (untouched.Status, untouched.Carrier));
        Assert.Equal(2, (await App.EventsAsync(order.OrderId)).Count);
    }

    [Fact]
    public async Task ASellerListsOnlyItsOwnShipmentsPagedAndByStatus()
    {
        var (seller, other) = (TestUser.NewSeller(), TestUser.NewSeller());
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(seller.SellerId!.Value), Orders.Line(other.SellerId!.Value));
            ids.Add((await App.ConfirmAsync(order))[seller.SellerId!.Value].Id);
        }

        using var client = App.As(seller);
        using (var pack = await client.PostAsync($"/api/fulfillment/shipments/{ids[0]}/pack", null))
        {
            Assert.Equal(HttpStatusCode.OK, pack.StatusCode);
        }

        var all = await client.GetFromJsonAsync<ShipmentPage>("/api/fulfillment/shipments?pageSize=2");
        var rest = await client.GetFromJsonAsync<ShipmentPage>("/api/fulfillment/shipments?pageSize=2&page=2");
        var packed = await client.GetFromJsonAsync<ShipmentPage>("/api/fulfillment/shipments?status=packed");
        var own = await client.GetFromJsonAsync<ShipmentPage>($"/api/fulfillment/shipments?sellerId={seller.SellerId}&status=CREATED");

        Assert.Equal((3, 2, 1), (all!.Total, all.Items.Count, rest!.Items.Count));
        Assert.Equal(ids.Order(), all.Items.Concat(rest.Items).Select(s => s.Id).Order());
        Assert.All(all.Items.Concat(rest.Items), s => Assert.Equal(seller.SellerId, s.SellerId));
        // Newest first.
        Assert.Equal(ids[2], all.Items[0].Id);
        Assert.Equal(ids[0], Assert.Single(packed!.Items).Id);
        Assert.Equal(2, own!.Total);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/fulfillment/shipments?sellerId={other.SellerId}")).StatusCode);
    }

    [Fact]
    public async Task AnAdminSeesEveryShipmentFiltersBySellerAndMayActOnAny()
    {
        var (sellerA, sellerB) = (TestUser.NewSeller(), TestUser.NewSeller());
        var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(sellerA.SellerId!.Value), Orders.Line(sellerB.SellerId!.Value));
        var shipments = await App.ConfirmAsync(order);
        using var admin = App.As(TestUser.NewAdmin());

        var ofA = await admin.GetFromJsonAsync<ShipmentPage>($"/api/fulfillment/shipments?sellerId={sellerA.SellerId}");
        var everyone = await admin.GetFromJsonAsync<ShipmentPage>("/api/fulfillment/shipments?pageSize=100");
        using var cancel = await admin.PostAsJsonAsync($"/api/fulfillment/shipments/{shipments[sellerB.SellerId!.Value].Id}/cancel", new CancelShipmentRequest("fraud review"));

        Assert.Equal(shipments[sellerA.SellerId!.Value].Id, Assert.Single(ofA!.Items).Id);
        Assert.Contains(everyone!.Items, s => s.SellerId == sellerB.SellerId);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(ShipmentStatus.Cancelled, (await admin.GetFromJsonAsync<ShipmentView>($"/api/fulfillment/shipments/{shipments[sellerB.SellerId!.Value].Id}"))!.Status);
    }

    [Fact]
    public async Task ABuyerSeesTheShipmentsOfItsOwnOrdersOnly()
    {
        var (buyer, otherBuyer) = (TestUser.NewBuyer(), TestUser.NewBuyer());
        var (sellerA, sellerB) = (TestUser.NewSeller(), TestUser.NewSeller());
        var order = Orders.Confirmed(buyer.Id, Orders.Line(sellerA.SellerId!.Value), Orders.Line(sellerB.SellerId!.Value));
        var shipments = await App.ConfirmAsync(order, Orders.Address);
        using (var seller = App.As(sellerA))
        using (var ship = await seller.PostAsJsonAsync($"/api/fulfillment/shipments/{shipments[sellerA.SellerId!.Value].Id}/ship", new ShipRequest("DHL", "JD014600")))
        {
            Assert.Equal(HttpStatusCode.OK, ship.StatusCode);
        }

        var path = $"/api/fulfillment/orders/{order.OrderId}/shipments";
        using var client = App.As(buyer);
        var mine = await client.GetFromJsonAsync<OrderShipments>(path);

        Assert.Equal(
            [(sellerA.SellerId!.Value, ShipmentStatus.Shipped, "JD014600"), (sellerB.SellerId!.Value, ShipmentStatus.Created, null)],
            mine!.Shipments.Select(s => (s.SellerId, s.Status, s.TrackingNumber)).OrderBy(s => s.Item2 == ShipmentStatus.Created));
        Assert.All(mine.Shipments, s => Assert.Equal("London", s.ShippingAddress!.City));
        using (var other = App.As(otherBuyer))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/fulfillment/orders/{Guid.NewGuid()}/shipments")).StatusCode);
        using var admin = App.As(TestUser.NewAdmin());
        Assert.Equal(2, (await admin.GetFromJsonAsync<OrderShipments>(path))!.Shipments.Count);
    }

    [Fact]
    public async Task AUserWhoIsBothBuyerAndSellerIsABuyerOnTheBuyersRoute()
    {
        var sellerBuying = new TestUser(Guid.NewGuid(), Guid.NewGuid(), AspireShopClaims.BuyerRole, AspireShopClaims.SellerRole);
        var order = Orders.Confirmed(sellerBuying.Id, Orders.Line(Guid.NewGuid()));
        await App.ConfirmAsync(order);
        using var client = App.As(sellerBuying);

        var mine = await client.GetFromJsonAsync<OrderShipments>($"/api/fulfillment/orders/{order.OrderId}/shipments");

        Assert.Single(mine!.Shipments);
        // As a seller it has no part in the order, so its seller view shows nothing of it.
        Assert.Equal(0, (await client.GetFromJsonAsync<ShipmentPage>("/api/fulfillment/shipments"))!.Total);
    }

    [Fact]
    public async Task OthersAreTurnedAwayFromEveryRoute()
    {
        var seller = TestUser.NewSeller();
        var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(seller.SellerId!.Value));
        var id = (await App.ConfirmAsync(order))[seller.SellerId!.Value].Id;
        var sellerRoutes = new List<(HttpMethod, string)> { (HttpMethod.Get, "/api/fulfillment/shipments"), (HttpMethod.Get, $"/api/fulfillment/shipments/{id}") };
        sellerRoutes.AddRange(Moves.Select(m => (HttpMethod.Post, $"/api/fulfillment/shipments/{id}/{m}")));
        var buyerRoute = (HttpMethod.Get, $"/api/fulfillment/orders/{order.OrderId}/shipments");

        using var anonymous = App.Anonymous();
        using var expired = App.WithToken(TestTokens.Issue(seller, TimeSpan.FromMinutes(-10)));
        using var buyer = App.As(new TestUser(order.BuyerId, null, AspireShopClaims.BuyerRole));
        using var sellerWithoutId = App.As(new TestUser(Guid.NewGuid(), null, AspireShopClaims.SellerRole));
        using var service = App.As(TestUser.NewService());
        using var nobody = App.As(new TestUser(Guid.NewGuid(), null));
        using var owner = App.As(seller);
        foreach (var (method, path) in sellerRoutes.Append(buyerRoute))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(anonymous, method, path));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(expired, method, path));
        }

        foreach (var (method, path) in sellerRoutes)
        {
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(buyer, method, path));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(sellerWithoutId, method, path));
            // AspireShop's services read every shipment but move none.
            Assert.Equal(method == HttpMethod.Get ? HttpStatusCode.OK : HttpStatusCode.Forbidden, await StatusAsync(service, method, path));
        }

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(owner, buyerRoute.Item1, buyerRoute.Item2));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(nobody, buyerRoute.Item1, buyerRoute.Item2));
        Assert.Equal(ShipmentStatus.Created, Assert.Single(await App.ShipmentsAsync(order.OrderId)).Status);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(new { carrier = "DHL", trackingNumber = "JD014600" });
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
