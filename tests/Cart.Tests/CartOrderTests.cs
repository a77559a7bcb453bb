using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.Contracts;
using AspireShop.TestKit;
using Confluent.Kafka;
using static AspireShop.Cart.Tests.CartRequests;

namespace AspireShop.Cart.Tests;

/// <summary>
/// Ordering's events as CDC publishes them (the base type, key = order id, header <c>id</c>) on a one-partition topic of
/// each test's own, so a later event handled proves every earlier one was: a confirmed order's lines leave the cart
/// and their holds stay with the order (the cart never releases them); a failed order and a redelivery change nothing.
/// </summary>
public sealed class CartOrderTests(CartFixture fixture) : IClassFixture<CartFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private InventoryHost Inventory => fixture.Inventory;

    [Fact]
    public async Task AConfirmedOrderRemovesItsLinesButLeavesTheirHoldsToTheOrder()
    {
        await using var ordering = await OrderingCartAsync();
        var jacket = await fixture.NewOfferAsync(stock: 10);
        var scarf = await fixture.NewOfferAsync(stock: 10);
        var socks = await fixture.NewOfferAsync(stock: 10);
        var buyer = TestUser.NewBuyer();
        var client = ordering.Cart.As(buyer);
        await client.AddOkAsync(jacket, 2);
        await client.AddOkAsync(scarf, 1);
        await client.AddOkAsync(socks, 3);
        var checkedOut = await client.GetCartAsync();

        // Changed after checkout: still the ordered line (the order holds what it bought, the line goes).
        using var changed = await client.SetQuantityAsync(scarf, 2);
        Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());
        var scarfLine = (await client.GetCartAsync()).LineOf(scarf);

        await ordering.PublishAsync(Confirmed(buyer.Id, (jacket, 2), (scarf, 1)));

        var cart = await Poll.UntilAsync(
            client.GetCartAsync,
            c => c.Lines.Count == 1,
            Deadline,
            c => $"the cart still has {c.Lines.Count} lines");
        AssertSame(checkedOut.LineOf(socks), cart.LineOf(socks));
        foreach (var (offer, line) in new[] { (jacket, checkedOut.LineOf(jacket)), (scarf, scarfLine) })
        {
            Assert.Equal(("active", line.Quantity), await HoldAsync(line.ReservationId));
            Assert.Equal(10 - line.Quantity, await Inventory.AvailableAsync(offer));
        }

        Assert.Equal(("active", 3), await HoldAsync(checkedOut.LineOf(socks).ReservationId));
        Assert.Empty(ordering.Releases);
    }

    [Fact]
    public async Task ALineOnAnotherHoldThanTheOrderedOneIsANewPurchaseAndStays()
    {
        await using var ordering = await OrderingCartAsync();
        var jacket = await fixture.NewOfferAsync(stock: 10);
        var scarf = await fixture.NewOfferAsync(stock: 10);
        var buyer = TestUser.NewBuyer();
        var client = ordering.Cart.As(buyer);
        await client.AddOkAsync(jacket, 1);
        var cart = await client.AddOkAsync(scarf, 1);
        var jacketHold = cart.LineOf(jacket).ReservationId;

        // The order took over the jacket's hold; the scarf's line holds something the order never had.
        var order = Confirmed(buyer.Id, (jacket, 1), (scarf, 1)) with
        {
            Lines = [.. Confirmed(buyer.Id, (jacket, 1), (scarf, 1)).Lines.Select(l => l with { ReservationId = l.SkuId == jacket.SkuId ? jacketHold : Guid.NewGuid() })],
        };
        await ordering.PublishAsync(order);

        var after = await Poll.UntilAsync(client.GetCartAsync, c => c.Lines.Count == 1, Deadline, c => $"the cart has {c.Lines.Count} lines");
        AssertSame(cart.LineOf(scarf), after.LineOf(scarf));
        Assert.Equal(("active", 1), await HoldAsync(cart.LineOf(scarf).ReservationId));
        Assert.Empty(ordering.Releases);
    }

    [Fact]
    public async Task AFailedOrderLeavesTheCartAsItIs()
    {
        await using var ordering = await OrderingCartAsync();
        var jacket = await fixture.NewOfferAsync(stock: 10);
        var scarf = await fixture.NewOfferAsync(stock: 10);
        var buyer = TestUser.NewBuyer();
        var client = ordering.Cart.As(buyer);
        await client.AddOkAsync(jacket, 2);
        var before = await client.AddOkAsync(scarf, 1);

        await ordering.PublishAsync(new OrderFailed(Guid.CreateVersion7(), buyer.Id, "payment_declined", DateTimeOffset.UtcNow));
        await ConfirmedLaterAsync(ordering, scarf);

        AssertSame(before.Lines, (await client.GetCartAsync()).Lines);
        Assert.Equal(("active", 2), await HoldAsync(before.LineOf(jacket).ReservationId));
        Assert.Equal(("active", 1), await HoldAsync(before.LineOf(scarf).ReservationId));
    }

    [Fact]
    public async Task ARedeliveredConfirmationDoesNotRemoveTheOfferAddedAgainSince()
    {
        await using var ordering = await OrderingCartAsync();
        var jacket = await fixture.NewOfferAsync(stock: 10);
        var scarf = await fixture.NewOfferAsync(stock: 10);
        var buyer = TestUser.NewBuyer();
        var client = ordering.Cart.As(buyer);
        var ordered = (await client.AddOkAsync(jacket, 2)).LineOf(jacket);
        var kept = (await client.AddOkAsync(scarf, 1)).LineOf(scarf);
        var confirmation = Confirmed(buyer.Id, (jacket, 2));
        var id = await ordering.PublishAsync(confirmation);
        await Poll.UntilAsync(client.GetCartAsync, c => c.Lines.Count == 1, Deadline, c => $"the cart still has {c.Lines.Count} lines");

        // The buyer wants another jacket; then the same confirmation arrives again (a redelivery, a replayed dead letter).
        var again = (await client.AddOkAsync(jacket, 1)).LineOf(jacket);
        await ordering.PublishAsync(confirmation, id);
        await ConfirmedLaterAsync(ordering, scarf);

        var cart = await client.GetCartAsync();
        Assert.Equal(2, cart.Lines.Count);
        AssertSame(again, cart.LineOf(jacket));
        AssertSame(kept, cart.LineOf(scarf));
        Assert.NotEqual(ordered.ReservationId, again.ReservationId);
        Assert.Equal(("active", 2), await HoldAsync(ordered.ReservationId));
        Assert.Equal(("active", 1), await HoldAsync(again.ReservationId));
        Assert.Equal(7, await Inventory.AvailableAsync(jacket));
        Assert.Empty(ordering.Releases);
    }

    /// <summary>
    /// Another buyer's order of <paramref name="offer"/>, published after what the test sent: once its line is gone,
    /// every earlier event on the topic has been handled.
    /// </summary>
    private static async Task ConfirmedLaterAsync(OrderingCart ordering, TestOffer offer)
    {
        var buyer = TestUser.NewBuyer();
        var client = ordering.Cart.As(buyer);
        await client.AddOkAsync(offer, 1);
        await ordering.PublishAsync(Confirmed(buyer.Id, (offer, 1)));
        await Poll.UntilAsync(client.GetCartAsync, c => c.Lines.Count == 0, Deadline, c => $"the later order's {c.Lines.Count} line(s) are still there");
    }

    private static OrderConfirmed Confirmed(Guid buyerId, params (TestOffer Offer, int Quantity)[] lines) => new(
        Guid.CreateVersion7(),
        buyerId,
        [.. lines.Select(l => new OrderLine(l.Offer.SkuId, l.Offer.SellerId, l.Offer.ProductId, l.Offer.ProductTitle, l.Quantity, l.Offer.Price))],
        lines.Sum(l => l.Offer.Price * l.Quantity),
        "USD",
        DateTimeOffset.UtcNow);

    private async Task<(string Status, int Quantity)> HoldAsync(Guid reservationId)
    {
        var reservation = await Inventory.ReservationAsync(reservationId);
        return (reservation.Status, reservation.Quantity);
    }

    private async Task<OrderingCart> OrderingCartAsync()
    {
        var topic = await fixture.Infrastructure.CreateTopicAsync("orders", partitions: 1);
        var releases = new ConcurrentQueue<string>();
        var cart = fixture.NewCart(
            new Dictionary<string, string?> { ["Messaging:Consumers:cart.orders:Topics:0"] = topic },
            inventory => new ReleaseWatch(inventory, releases));
        return new OrderingCart(cart, topic, fixture.Infrastructure.KafkaBootstrapServers, releases);
    }

    /// <summary>A cart reading Ordering's events from its own topic, with every release it sent Inventory.</summary>
    private sealed record OrderingCart(CartApp Cart, string Topic, string Bootstrap, ConcurrentQueue<string> Releases) : IAsyncDisposable
    {
        /// <summary>Publishes as the base type (the <c>status</c> discriminator) under <paramref name="id"/>; returns the id.</summary>
        public async Task<string> PublishAsync(OrderEvent order, string? id = null)
        {
            id ??= Guid.CreateVersion7().ToString();
            using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Bootstrap }).Build();
            await producer.ProduceAsync(Topic, new Message<string, string>
            {
                Key = order.OrderId.ToString(),
                Value = JsonSerializer.Serialize(order, OutboxEvent.SerializerOptions),
                Headers = new Headers { { ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(id) } },
            });
            return id;
        }

        public ValueTask DisposeAsync() => Cart.DisposeAsync();
    }

    private sealed class ReleaseWatch(HttpMessageHandler inner, ConcurrentQueue<string> releases) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Delete)
            {
                releases.Enqueue(request.RequestUri!.PathAndQuery);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
