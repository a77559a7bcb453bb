using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using AspireShop.Cart.API.Services;
using AspireShop.TestKit;
using static AspireShop.Cart.Tests.CartRequests;

namespace AspireShop.Cart.Tests;

/// <summary>
/// A crowd on one offer, and the replies Inventory's answers can lose on the way back: the cart asks Inventory by the
/// hold's idempotency key and adopts or releases what it finds, so no unit is held for a cart line that does not exist.
/// </summary>
public sealed class CartCrowdTests(CartFixture fixture) : IClassFixture<CartFixture>
{
    private InventoryHost Inventory => fixture.Inventory;

    [Fact]
    public async Task ACrowdOnOneOfferGetsExactlyTheStockAndCostsCatalogOneCall()
    {
        var offer = await fixture.NewOfferAsync(stock: 10);
        var catalogCalls = 0;
        await using var cart = new CartApp(
            fixture.Infrastructure,
            () => new Spy(fixture.Catalog.Server.CreateHandler(), request =>
            {
                if (request.RequestUri!.AbsolutePath.Contains("/offers/", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref catalogCalls);
                }
            }),
            () => Inventory.Server.CreateHandler());

        var buyers = Enumerable.Range(0, 60).Select(_ => TestUser.NewBuyer()).ToList();
        var answers = await Task.WhenAll(buyers.Select(async buyer =>
        {
            using var response = await cart.As(buyer).AddAsync(offer, 1);
            return (Buyer: buyer, response.StatusCode);
        }));

        Assert.Equal(10, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(50, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, catalogCalls);
        // Every unit Inventory holds is in a line: the winners' lines add up to the stock, and nothing is left.
        var held = 0;
        foreach (var (buyer, _) in answers.Where(a => a.StatusCode == HttpStatusCode.Created))
        {
            var line = (await cart.As(buyer).GetCartAsync()).LineOf(offer);
            var reservation = await Inventory.ReservationAsync(line.ReservationId);
            Assert.Equal(("active", 1), (reservation.Status, reservation.Quantity));
            held += line.Quantity;
        }

        Assert.Equal(10, held);
        Assert.Equal(0, await Inventory.AvailableAsync(offer));
    }

    [Fact]
    public async Task AHoldWhoseEveryReplyIsLostIsFoundByItsKeyAndAdopted()
    {
        var offer = await fixture.NewOfferAsync(stock: 5);
        var faults = new InventoryFaults { LoseRepliesOf = IsReserve };
        await using var cart = LossyCart(faults);
        var buyer = TestUser.NewBuyer();

        using var added = await cart.As(buyer).AddAsync(offer, 2);

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.True(faults.Lost > 0, "no reply was lost: the test did not test anything");
        var line = (await cart.As(buyer).GetCartAsync()).LineOf(offer);
        var reservation = await Inventory.ReservationAsync(line.ReservationId);
        Assert.Equal(("active", 2, buyer.Id), (reservation.Status, reservation.Quantity, reservation.HolderId));
        // The retries carried the same key, so the lost replies held nothing twice.
        Assert.Equal(3, await Inventory.AvailableAsync(offer));
    }

    [Fact]
    public async Task AReserveStillInFlightWhenTheCartGivesUpHoldsNothingWhenItArrives()
    {
        var offer = await fixture.NewOfferAsync(stock: 5);
        var faults = new InventoryFaults { Park = IsReserve };
        await using var cart = LossyCart(faults);
        var buyer = TestUser.NewBuyer();

        using var added = await cart.As(buyer).AddAsync(offer, 2);
        await ProblemAsync(added, HttpStatusCode.ServiceUnavailable);
        Assert.NotEmpty(faults.Parked);

        // Now the requests the cart gave up on reach Inventory, late: the key was released, so they hold nothing.
        foreach (var late in faults.Parked)
        {
            using var response = await InventoryFaults.DeliverAsync(late, Inventory.Server.CreateHandler());
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            Assert.Equal("released", (await response.Content.ReadFromJsonAsync<TestReservation>(Json))!.Status);
        }

        Assert.Equal(5, await Inventory.AvailableAsync(offer));
        Assert.Empty((await cart.As(buyer).GetCartAsync()).Lines);
    }

    [Fact]
    public async Task AHoldNoLineReferencesIsReleasedByTheReconciler()
    {
        var offer = await fixture.NewOfferAsync(stock: 5);
        await using var cart = fixture.NewCart(new Dictionary<string, string?>
        {
            ["Cart:HoldReconciler:After"] = "00:00:00",
            ["Cart:HoldReconciler:Interval"] = "00:00:00.200",
        });
        var buyer = TestUser.NewBuyer();
        var key = $"cart:crash:{Guid.NewGuid():N}";

        // What a cart that died between hold and line leaves behind: the intent, and a hold nobody's line names.
        await cart.Service<HoldIntents>().RecordAsync(new HoldIntent(buyer.Id, offer.SkuId, offer.SellerId, key, ReservationId: null));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/inventory/reservations")
        {
            Content = JsonContent.Create(new { skuId = offer.SkuId, sellerId = offer.SellerId, quantity = 2, holderId = buyer.Id }),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var held = await Inventory.As(TestUser.NewService()).SendAsync(request);
        var reservation = (await held.Content.ReadFromJsonAsync<TestReservation>(Json))!;
        Assert.Equal(3, await Inventory.AvailableAsync(offer));

        await Poll.UntilAsync(
            async () => (await Inventory.ReservationAsync(reservation.Id)).Status,
            status => status == "released",
            TimeSpan.FromSeconds(20),
            status => $"the orphaned hold is still {status}");
        Assert.Equal(5, await Inventory.AvailableAsync(offer));
    }

    private static bool IsReserve(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.TrimEnd('/') == "/api/inventory/reservations";

    private CartApp LossyCart(InventoryFaults faults) => new(
        fixture.Infrastructure,
        () => fixture.Catalog.Server.CreateHandler(),
        () => new LossyHandler(Inventory.Server.CreateHandler(), faults),
        new Dictionary<string, string?>
        {
            ["Cart:Inventory:AttemptTimeout"] = "00:00:01",
            ["Cart:Inventory:TotalTimeout"] = "00:00:03",
            ["Cart:Inventory:MaxRetryAttempts"] = "1",
        });

    private sealed class Spy(HttpMessageHandler inner, Action<HttpRequestMessage> seen) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen(request);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>What the network between the cart and Inventory does to the requests the predicates pick.</summary>
    private sealed class InventoryFaults
    {
        private int _lost;

        /// <summary>Delivered, but the reply never comes back.</summary>
        public Func<HttpRequestMessage, bool> LoseRepliesOf { get; init; } = _ => false;

        /// <summary>Not delivered until the test says so (<see cref="DeliverAsync"/>), long after the cart gave up.</summary>
        public Func<HttpRequestMessage, bool> Park { get; init; } = _ => false;

        public int Lost => _lost;

        public ConcurrentQueue<(HttpMethod Method, Uri Uri, List<KeyValuePair<string, IEnumerable<string>>> Headers, byte[] Body)> Parked { get; } = new();

        public void CountLost() => Interlocked.Increment(ref _lost);

        public static async Task<HttpResponseMessage> DeliverAsync(
            (HttpMethod Method, Uri Uri, List<KeyValuePair<string, IEnumerable<string>>> Headers, byte[] Body) parked, HttpMessageHandler inventory)
        {
            using var invoker = new HttpMessageInvoker(inventory);
            using var request = new HttpRequestMessage(parked.Method, parked.Uri) { Content = new ByteArrayContent(parked.Body) };
            request.Content.Headers.ContentType = new("application/json");
            foreach (var (name, values) in parked.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, values);
            }

            return await invoker.SendAsync(request, CancellationToken.None);
        }
    }

    private sealed class LossyHandler(HttpMessageHandler inner, InventoryFaults faults) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (faults.Park(request))
            {
                var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
                faults.Parked.Enqueue((request.Method, request.RequestUri!, [.. request.Headers], body));
                // Never answered: the cart's attempt timeout ends the wait.
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (faults.LoseRepliesOf(request))
            {
                response.Dispose();
                faults.CountLost();
                throw new HttpRequestException("The connection was reset before the reply arrived.");
            }

            return response;
        }
    }
}
