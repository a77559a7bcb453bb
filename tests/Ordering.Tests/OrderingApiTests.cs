using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Inventory.Contracts;
using AspireShop.Ordering.API.Apis;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.API.Services;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireShop.Ordering.Tests;

/// <summary>Ordering on real Postgres and Kafka: its documented routes, bad checkouts refused before anything is written, the saga's deadlines.</summary>
public sealed class OrderingApiTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>, IAsyncLifetime
{
    private OrderingApp _app = null!;

    public async Task InitializeAsync() => _app = await OrderingApp.StartAsync(infrastructure);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task EveryMappedRouteIsInTheOpenApiDocument()
    {
        using var client = _app.Anonymous();
        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(_app.Services, client));
    }

    [Theory]
    [InlineData(null, "4242424242424242", "Idempotency-Key")]
    [InlineData("key", "not a card", "paymentMethod")]
    [InlineData("key", null, "paymentMethod")]
    [InlineData("key", "4242 4242 4242 4242", "shippingAddress.country", "USA")]
    [InlineData("key", "4242 4242 4242 4242", "shippingAddress.city", "US", "")]
    public async Task ABadCheckoutIsA400NamingTheFieldAndWritesNothing(string? key, string? card, string field, string country = "US", string city = "Springfield")
    {
        using var buyer = _app.As(TestUser.NewBuyer());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new
            {
                shippingAddress = new { name = "Ada", line1 = "1 Main St", city, postalCode = "12345", country },
                paymentMethod = card,
            }),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await buyer.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
        Assert.Equal((0, 0, 0), await CountsAsync());
    }

    [Fact]
    public async Task AnIdempotencyKeyLongerThan255CharactersIsRefused()
    {
        using var buyer = _app.As(TestUser.NewBuyer());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new { shippingAddress = new { name = "Ada", line1 = "1", city = "X", postalCode = "1", country = "US" }, paymentMethod = "4242424242424242" }),
        };
        request.Headers.Add("Idempotency-Key", new string('k', 256));

        using var response = await buyer.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Idempotency-Key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyABuyerPlacesOrdersAndNobodyReadsAnOrderThatIsNotTheirs()
    {
        using var seller = _app.As(TestUser.NewSeller());
        using var placed = await seller.PostAsJsonAsync("/api/orders", new { });
        Assert.Equal(HttpStatusCode.Forbidden, placed.StatusCode);

        var order = await InsertOverdueOrderAsync();
        using var stranger = _app.As(TestUser.NewBuyer());
        using var read = await stranger.GetAsync($"/api/orders/{order.Id}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        using var admin = _app.As(TestUser.NewAdmin());
        Assert.Equal(order.Id, (await admin.GetFromJsonAsync<JsonObject>($"/api/orders/{order.Id}"))!["id"]!.GetValue<Guid>());
        using var owner = _app.As(new TestUser(order.BuyerId, null, "buyer"));
        var view = (await owner.GetFromJsonAsync<JsonObject>($"/api/orders/{order.Id}"))!;
        Assert.Equal("•••• 4242", view["paymentMethod"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnOverdueStepIsSentAgainOnceAndItsDeadlineMovesOn()
    {
        var order = await InsertOverdueOrderAsync();
        var timer = _app.Services.GetServices<IHostedService>().OfType<OrderSagaTimer>().Single();

        Assert.True(await timer.ResendDueAsync(CancellationToken.None) >= 1);
        Assert.Equal(0, await timer.ResendDueAsync(CancellationToken.None));

        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrderingContext>();
        var commands = await db.Set<OutboxMessage>().Where(m => m.AggregateId == order.Id.ToString()).OrderBy(m => m.CreatedAt).ToListAsync();
        Assert.Equal(2, commands.Count);
        Assert.All(commands, c => Assert.Equal(OrderStockCommand.AggregateType, c.AggregateType));
        Assert.Equal(commands[0].Payload, commands[1].Payload);
        var stored = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == order.Id);
        Assert.Equal(1, stored.StepAttempts);
        Assert.True(stored.DeadlineAt > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task AnOrderUnansweredThroughEveryReSendIsParkedAndAnAdminsRetrySendsItAgain()
    {
        var order = await InsertOverdueOrderAsync(reSendsSoFar: 12);
        var timer = _app.Services.GetServices<IHostedService>().OfType<OrderSagaTimer>().Single();

        await timer.ResendDueAsync(CancellationToken.None);

        var parked = await StoredAsync(order.Id);
        Assert.NotNull(parked.NeedsAttentionAt);
        Assert.Null(parked.DeadlineAt);
        Assert.Equal(OrderStatus.Pending, parked.Status);
        Assert.Equal(1, await CommandsAsync(order.Id));

        using var admin = _app.As(TestUser.NewAdmin());
        var list = await admin.GetFromJsonAsync<List<ParkedOrder>>("/admin/orders/needs-attention");
        Assert.Contains(list!, p => p.Id == order.Id && p.Step == nameof(SagaStep.Reserving) && p.ReSends == 12);
        using (var buyer = _app.As(new TestUser(order.BuyerId, null, "buyer")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await buyer.PostAsync(AdminApi.RetryParkedPath, null)).StatusCode);
        }

        var retried = await (await admin.PostAsync(AdminApi.RetryParkedPath, null)).Content.ReadFromJsonAsync<RetriedOrders>();
        Assert.True(retried!.Retried >= 1);
        Assert.True(await timer.ResendDueAsync(CancellationToken.None) >= 1);

        var resent = await StoredAsync(order.Id);
        Assert.Equal((null, 1), (resent.NeedsAttentionAt, resent.StepAttempts));
        Assert.True(resent.DeadlineAt > DateTimeOffset.UtcNow);
        Assert.Equal(2, await CommandsAsync(order.Id));
    }

    private async Task<Order> StoredAsync(Guid orderId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrderingContext>().Orders.AsNoTracking().SingleAsync(o => o.Id == orderId);
    }

    private async Task<int> CommandsAsync(Guid orderId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrderingContext>().Set<OutboxMessage>()
            .CountAsync(m => m.AggregateId == orderId.ToString() && m.AggregateType == OrderStockCommand.AggregateType);
    }

    /// <summary>An order placed a minute ago whose reserve was never answered (after <paramref name="reSendsSoFar"/> re-sends).</summary>
    private async Task<Order> InsertOverdueOrderAsync(int reSendsSoFar = 0)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrderingContext>();
        var id = Guid.CreateVersion7();
        var placedAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        var order = new Order
        {
            Id = id,
            BuyerId = Guid.NewGuid(),
            Currency = "USD",
            Total = 10m,
            PaymentMethod = "4242424242424242",
            ShippingAddress = new ShippingAddress { Name = "Ada", Line1 = "1 Main St", City = "Springfield", PostalCode = "12345", Country = "US" },
            CreatedAt = placedAt,
            Lines = [new OrderLine { OrderId = id, LineNumber = 1, SkuId = Guid.NewGuid(), SellerId = Guid.NewGuid(), ProductId = Guid.NewGuid(), ProductTitle = "T", SkuCode = "T-1", Quantity = 1, UnitPrice = 10m }],
        };
        foreach (var message in OrderSaga.Start(order, placedAt))
        {
            db.AddOutboxEvent(message);
        }

        order.StepAttempts = reSendsSoFar;
        db.Orders.Add(order);
        await db.SaveChangesAsync();
        return order;
    }

    private async Task<(int Orders, int Keys, int Outbox)> CountsAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrderingContext>();
        return (await db.Orders.CountAsync(), await db.Set<BuildingBlocks.Idempotency.IdempotencyKeyRow>().CountAsync(), await db.Set<OutboxMessage>().CountAsync());
    }
}
