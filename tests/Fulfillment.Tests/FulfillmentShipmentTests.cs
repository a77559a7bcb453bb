using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspireShop.Fulfillment.API.Apis;
using AspireShop.Fulfillment.API.Domain;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Ordering.Contracts;
using AspireShop.TestKit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ShipmentLine = AspireShop.Fulfillment.Contracts.ShipmentLine;

namespace AspireShop.Fulfillment.Tests;

/// <summary>A seller moves its shipment forward through the API: each move once, published once, never backwards.</summary>
public sealed class FulfillmentShipmentTests(FulfillmentFixture fixture) : IClassFixture<FulfillmentFixture>
{
    private FulfillmentApp App => fixture.App;

    [Fact]
    public async Task PackShipDeliverMovesTheShipmentForwardAndPublishesEachStep()
    {
        var (seller, order, shipment) = await NewShipmentAsync();
        using var client = App.As(seller);

        var packed = await MoveAsync(client, shipment.Id, "pack");
        var shipped = await MoveAsync(client, shipment.Id, "ship", new ShipRequest("DHL Express", "jd01 4600 0037"));
        var delivered = await MoveAsync(client, shipment.Id, "deliver");

        Assert.Equal(ShipmentStatus.Packed, packed.Status);
        Assert.NotNull(packed.PackedAt);
        Assert.Equal((ShipmentStatus.Shipped, "DHL Express", "JD0146000037"), (shipped.Status, shipped.Carrier, shipped.TrackingNumber));
        Assert.Equal(ShipmentStatus.Delivered, delivered.Status);
        Assert.NotNull(delivered.DeliveredAt);
        var events = await App.EventsAsync(order.OrderId);
        Assert.Collection(
            events,
            e => Assert.IsType<ShipmentCreated>(e),
            e => Assert.Equal(new ShipmentShipped(order.OrderId, shipment.Id, seller.SellerId!.Value, order.BuyerId, "DHL Express", "JD0146000037", shipped.ShippedAt!.Value), e),
            e => Assert.Equal(new ShipmentDelivered(order.OrderId, shipment.Id, seller.SellerId!.Value, order.BuyerId, delivered.DeliveredAt!.Value), e));
        Assert.Equal(ShipmentStatus.Delivered, await StatusAsync(order.OrderId));
    }

    [Fact]
    public async Task ShippingStraightFromCreatedPacksOnTheWay()
    {
        var (seller, _, shipment) = await NewShipmentAsync();
        using var client = App.As(seller);

        var shipped = await MoveAsync(client, shipment.Id, "ship", new ShipRequest("UPS", "1Z999AA10123456784"));

        Assert.Equal(ShipmentStatus.Shipped, shipped.Status);
        Assert.Equal(shipped.ShippedAt, shipped.PackedAt);
    }

    [Fact]
    public async Task RepeatingAMoveAnswersTheSameStateAndPublishesNothingAgain()
    {
        var (seller, order, shipment) = await NewShipmentAsync();
        using var client = App.As(seller);

        var first = await MoveAsync(client, shipment.Id, "pack");
        var again = await MoveAsync(client, shipment.Id, "pack");
        var shipped = await MoveAsync(client, shipment.Id, "ship", new ShipRequest("DHL", "JD014600"));
        // The same label, typed as printed (spaces, lower case), is the same shipment.
        var shippedAgain = await MoveAsync(client, shipment.Id, "ship", new ShipRequest("DHL", "jd01 4600"));

        AssertSame(first, again);
        AssertSame(shipped, shippedAgain);
        Assert.Equal(2, (await App.EventsAsync(order.OrderId)).Count);

        // Another label for a parcel already handed over is not a repeat.
        using var relabel = await PostAsync(client, shipment.Id, "ship", new ShipRequest("DHL", "JD999999"));
        await AssertConflictAsync(relabel, ShipmentStatus.Shipped);
        Assert.Equal("JD014600", (await App.ShipmentsAsync(order.OrderId)).Single().TrackingNumber);
    }

    [Fact]
    public async Task IllegalMovesAre409AndChangeNothing()
    {
        var (seller, order, shipment) = await NewShipmentAsync();
        using var client = App.As(seller);

        // Nothing to deliver before it ships.
        using (var early = await PostAsync(client, shipment.Id, "deliver"))
        {
            await AssertConflictAsync(early, ShipmentStatus.Created);
        }

        await MoveAsync(client, shipment.Id, "ship", new ShipRequest("DHL", "JD014600"));
        foreach (var (move, body) in new (string, object?)[] { ("pack", null), ("cancel", null), ("cancel", new CancelShipmentRequest("changed my mind")) })
        {
            using var response = await PostAsync(client, shipment.Id, move, body);
            await AssertConflictAsync(response, ShipmentStatus.Shipped);
        }

        await MoveAsync(client, shipment.Id, "deliver");
        using (var back = await PostAsync(client, shipment.Id, "ship", new ShipRequest("DHL", "JD014600")))
        {
            await AssertConflictAsync(back, ShipmentStatus.Delivered);
        }

        Assert.Equal(ShipmentStatus.Delivered, await StatusAsync(order.OrderId));
        Assert.Equal(3, (await App.EventsAsync(order.OrderId)).Count);
    }

    [Fact]
    public async Task ACancelledShipmentMovesNoFurther()
    {
        var (seller, order, shipment) = await NewShipmentAsync();
        using var client = App.As(seller);
        await MoveAsync(client, shipment.Id, "pack");
        await MoveAsync(client, shipment.Id, "cancel");

        foreach (var (move, body) in new (string, object?)[] { ("pack", null), ("ship", new ShipRequest("DHL", "JD014600")), ("deliver", null) })
        {
            using var response = await PostAsync(client, shipment.Id, move, body);
            await AssertConflictAsync(response, ShipmentStatus.Cancelled);
        }

        var cancelled = Assert.IsType<ShipmentCancelled>((await App.EventsAsync(order.OrderId))[^1]);
        Assert.Equal(RequestValidation.DefaultCancelReason, cancelled.Reason);
    }

    [Fact]
    public async Task CancellingOneSellersPartPublishesItsLinesToRefundAndRestockWhileTheOtherPartShips()
    {
        var (sellerA, sellerB) = (TestUser.NewSeller(), TestUser.NewSeller());
        var order = Orders.Confirmed(
            Guid.NewGuid(),
            Orders.Line(sellerA.SellerId!.Value, 2, 19.99m, "Rain jacket"),
            Orders.Line(sellerA.SellerId!.Value, 1, 3.50m, "Laces"),
            Orders.Line(sellerB.SellerId!.Value, 1, 5m, "Socks"));
        var shipments = await App.ConfirmAsync(order);
        var (a, b) = (shipments[sellerA.SellerId!.Value], shipments[sellerB.SellerId!.Value]);
        using var clientA = App.As(sellerA);
        using var clientB = App.As(sellerB);

        var cancelled = await MoveAsync(clientA, a.Id, "cancel", new CancelShipmentRequest("  out of stock at the warehouse "));
        var cancelledAgain = await MoveAsync(clientA, a.Id, "cancel", new CancelShipmentRequest("another reason"));
        var shipped = await MoveAsync(clientB, b.Id, "ship", new ShipRequest("Royal Mail", "RM123456789GB"));

        Assert.Equal((ShipmentStatus.Cancelled, "out of stock at the warehouse"), (cancelled.Status, cancelled.CancelReason));
        AssertSame(cancelled, cancelledAgain);
        Assert.Equal(ShipmentStatus.Shipped, shipped.Status);
        var published = await App.EventsAsync(order.OrderId);
        var refund = Assert.Single(published.OfType<ShipmentCancelled>());
        Assert.Equal((order.OrderId, a.Id, sellerA.SellerId!.Value, order.BuyerId, 43.48m, "USD", "out of stock at the warehouse"),
            (refund.OrderId, refund.ShipmentId, refund.SellerId, refund.BuyerId, refund.Amount, refund.Currency, refund.Reason));
        Assert.Equal(
            [new ShipmentLine(order.Lines[0].SkuId, order.Lines[0].ProductId, "Rain jacket", 2, 19.99m, 39.98m), new ShipmentLine(order.Lines[1].SkuId, order.Lines[1].ProductId, "Laces", 1, 3.50m, 3.50m)],
            refund.Lines);
        Assert.Equal(b.Id, Assert.Single(published.OfType<ShipmentShipped>()).ShipmentId);
    }

    [Fact]
    public async Task RacingShipAndCancelEndInOneOutcomeWithOneEvent()
    {
        var (seller, order, shipment) = await NewShipmentAsync();
        using var client = App.As(seller);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await PostAsync(client, shipment.Id, i % 2 == 0 ? "ship" : "cancel", i % 2 == 0 ? new ShipRequest("DHL", "JD014600") : null);
            return response.StatusCode;
        }));

        var final = Assert.Single(await App.ShipmentsAsync(order.OrderId));
        var moved = (await App.EventsAsync(order.OrderId)).Skip(1).ToList();
        Assert.Contains(final.Status, new[] { ShipmentStatus.Shipped, ShipmentStatus.Cancelled });
        Assert.Equal(final.Status == ShipmentStatus.Shipped ? typeof(ShipmentShipped) : typeof(ShipmentCancelled), Assert.Single(moved).GetType());
        // The winner's kind answers 200 every time; the loser's is refused, never half applied.
        Assert.All(answers, status => Assert.Contains(status, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.Equal(4, answers.Count(status => status == HttpStatusCode.OK));
    }

    [Fact]
    public async Task BadInputIs400NamingTheFieldAndWritesNothing()
    {
        var (seller, order, shipment) = await NewShipmentAsync();
        using var client = App.As(seller);

        await AssertInvalidAsync(await PostAsync(client, shipment.Id, "ship", new { }), "carrier", "trackingNumber");
        await AssertInvalidAsync(await PostAsync(client, shipment.Id, "ship", new ShipRequest("DHL", "x")), "trackingNumber");
        await AssertInvalidAsync(await PostAsync(client, shipment.Id, "ship", new ShipRequest("DHL", "JD01/4600")), "trackingNumber");
        await AssertInvalidAsync(await PostAsync(client, shipment.Id, "ship", new ShipRequest(new string('c', 65), "JD014600")), "carrier");
        await AssertInvalidAsync(await PostAsync(client, shipment.Id, "ship", new ShipRequest("DHL\u0007", "JD014600")), "carrier");
        await AssertInvalidAsync(await PostRawAsync(client, shipment.Id, "ship", """{"carrier": 5, "trackingNumber": "JD014600"}"""), "carrier");
        await AssertInvalidAsync(await PostAsync(client, shipment.Id, "cancel", new CancelShipmentRequest(new string('r', 201))), "reason");
        await AssertInvalidAsync(await client.GetAsync("/api/fulfillment/shipments?status=LOST"), "status");
        await AssertInvalidAsync(await client.GetAsync("/api/fulfillment/shipments?pageSize=0&page=0"), "pageSize", "page");

        var unchanged = Assert.Single(await App.ShipmentsAsync(order.OrderId));
        Assert.Equal((ShipmentStatus.Created, null, null, null), (unchanged.Status, unchanged.Carrier, unchanged.TrackingNumber, unchanged.CancelReason));
        Assert.IsType<ShipmentCreated>(Assert.Single(await App.EventsAsync(order.OrderId)));
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryRoute()
    {
        using var client = App.Anonymous();

        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(App.Services, client));
        var documented = await OpenApiCoverage.DocumentedAsync(client);
        Assert.Contains("POST /api/fulfillment/shipments/{id}/ship", documented);
        Assert.Contains("GET /api/fulfillment/orders/{orderId}/shipments", documented);
    }

    /// <summary>A new seller's part of a new order, as the OrderConfirmed handler created it.</summary>
    private async Task<(TestUser Seller, OrderConfirmed Order, Shipment Shipment)> NewShipmentAsync()
    {
        var seller = TestUser.NewSeller();
        var order = Orders.Confirmed(Guid.NewGuid(), Orders.Line(seller.SellerId!.Value, 2, 12.50m));
        return (seller, order, (await App.ConfirmAsync(order))[seller.SellerId!.Value]);
    }

    private async Task<string> StatusAsync(Guid orderId) => Assert.Single(await App.ShipmentsAsync(orderId)).Status;

    private static async Task<ShipmentView> MoveAsync(HttpClient client, Guid id, string move, object? body = null)
    {
        using var response = await PostAsync(client, id, move, body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{move}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await FulfillmentApp.ReadAsync<ShipmentView>(response);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, Guid id, string move, object? body = null) =>
        body is null ? client.PostAsync($"/api/fulfillment/shipments/{id}/{move}", null) : client.PostAsJsonAsync($"/api/fulfillment/shipments/{id}/{move}", body);

    private static Task<HttpResponseMessage> PostRawAsync(HttpClient client, Guid id, string move, string json) =>
        client.PostAsync($"/api/fulfillment/shipments/{id}/{move}", new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>The same answer, lines included (records compare lists by reference).</summary>
    private static void AssertSame(ShipmentView expected, ShipmentView actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));

    private static async Task AssertConflictAsync(HttpResponseMessage response, string status)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await FulfillmentApp.ReadAsync<ProblemDetails>(response);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        Assert.Equal(status, problem.Extensions["shipmentStatus"]?.ToString());
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, params string[] fields)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await FulfillmentApp.ReadAsync<HttpValidationProblemDetails>(response);
            Assert.Equal(fields.Order(), problem.Errors.Keys.Order());
        }
    }
}
