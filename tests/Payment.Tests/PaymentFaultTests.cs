using AspireShop.Payment.API.Domain;
using AspireShop.Payment.Contracts;
using AspireShop.TestKit;

namespace AspireShop.Payment.Tests;

/// <summary>
/// The provider failing mid-charge: the payment is UNKNOWN (never FAILED) until the PaymentReconciler's ask with the same
/// idempotency key gets the provider's first answer, so nothing is charged twice. Each test switches faults on a
/// provider of its own.
/// </summary>
public sealed class PaymentFaultTests : IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure = new();

    public Task InitializeAsync() => _infrastructure.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("error_after_commit")]
    [InlineData("reset_after_commit")]
    [InlineData("error_before_commit")]
    [InlineData("rate_limit")]
    public async Task AnUnansweredChargeIsUnknownThenSettledByTheReconcilerWithOneCapture(string mode)
    {
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(_infrastructure, provider);
        using var api = provider.Api();
        await api.SetFaultsAsync(new { mode, count = 1 });
        var charge = Orders.Charge();
        var messageId = Guid.NewGuid().ToString();

        await app.HandleAsync(charge, messageId);

        var unknown = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Unknown, null), (unknown.Status, unknown.FailureReason));
        Assert.Empty(await app.RepliesAsync(charge.OrderId));
        // A 429's Retry-After (1 s) holds the next ask back; the others are due at once.
        Assert.Equal(mode == "rate_limit", unknown.NextAttemptAt > DateTimeOffset.UtcNow.AddMilliseconds(500));

        // The PaymentReconciler asks again: the same key.
        await Poll.UntilAsync(app.ReconcileAsync, leased => leased == 1, TimeSpan.FromSeconds(30), leased => $"reconciler leased {leased}");

        var payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Succeeded, charge.Amount), (payment.Status, payment.CapturedAmount));
        Assert.Equal(new PaymentSucceeded(charge.OrderId, payment.Id, charge.Amount, "USD"), Assert.Single(await app.RepliesAsync(charge.OrderId)));
        var posts = app.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId));
        Assert.Equal(2, posts.Count);
        // After a commit the provider replays its stored answer; before one (or refused) it executes afresh.
        Assert.Equal(mode.EndsWith("after_commit", StringComparison.Ordinal), posts[1].Replayed);
        var captured = Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Charges);
        Assert.Equal(payment.ProviderIntentId, captured.GetProperty("payment_intent").GetString());
    }

    [Fact]
    public async Task TheReconcilerSettlesAnUnknownChargeOnItsOwnAndTellsTheSagaOnce()
    {
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(
            _infrastructure, provider, new Dictionary<string, string?> { ["Payment:ReconcileInterval"] = "00:00:00.100" });
        using var api = provider.Api();
        await api.SetFaultsAsync(new { mode = "error_after_commit", count = 1 });
        var charge = Orders.Charge();

        await app.PublishAsync(charge);

        var reply = Assert.IsType<PaymentSucceeded>(Assert.Single(await app.WaitForRepliesAsync(charge.OrderId, 1)));
        Assert.Equal(charge.Amount, reply.Amount);
        Assert.Equal([(500, false), (200, true)], app.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)).Select(c => (c.Status ?? 0, c.Replayed)));
        Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Charges);
    }

    [Fact]
    public async Task ARefundOfAnUnknownChargeSettlesTheChargeFirstThenRefundsIt()
    {
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(_infrastructure, provider);
        using var api = provider.Api();
        await api.SetFaultsAsync(new { mode = "reset_after_commit", count = 1 });
        var charge = Orders.Charge(amount: 5m);
        await app.HandleAsync(charge);

        await app.HandleAsync(new RefundPayment(charge.OrderId, "order_cancelled"));

        var payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal(
            [new PaymentSucceeded(charge.OrderId, payment.Id, 5m, "USD"), new PaymentRefunded(charge.OrderId, payment.Id, 5m, "USD", "order_cancelled")],
            await app.RepliesAsync(charge.OrderId));
        var (charges, refunds) = await api.LedgerAsync(charge.OrderId.ToString());
        Assert.Single(charges);
        Assert.Equal(500L, Assert.Single(refunds).GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task AnUnknownRefundIsAskedAgainWithTheSameKeyAndRefundsOnce()
    {
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(_infrastructure, provider);
        using var api = provider.Api();
        var charge = Orders.Charge(amount: 7.25m);
        await app.HandleAsync(charge);
        await api.SetFaultsAsync(new { mode = "error_after_commit", count = 1 });
        var refund = new RefundPayment(charge.OrderId, "order_cancelled");
        var messageId = Guid.NewGuid().ToString();

        await app.HandleAsync(refund, messageId);
        Assert.Equal(RefundStatus.Unknown, Assert.Single((await app.PaymentAsync(charge.OrderId))!.Refunds).Status);
        Assert.Equal(1, await app.ReconcileAsync());

        var payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((RefundStatus.Succeeded, 7.25m), (Assert.Single(payment.Refunds).Status, payment.RefundedAmount));
        Assert.Equal(new PaymentRefunded(charge.OrderId, payment.Id, 7.25m, "USD", "order_cancelled"), (await app.RepliesAsync(charge.OrderId))[^1]);
        Assert.Equal([false, true], app.PostsWithKey(Refund.ProviderKey(payment.Id, "order_cancelled")).Select(c => c.Replayed));
        Assert.Equal(725L, Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Refunds).GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task PastTheProvidersKeyWindowAnUnknownChargeIsLookedUpNotRepeated()
    {
        var clock = new ShiftedClock();
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(_infrastructure, provider, clock: clock);
        using var api = provider.Api();
        await api.SetFaultsAsync(new { mode = "reset_after_commit", count = 1 });
        var charge = Orders.Charge();
        await app.HandleAsync(charge);

        // A day later the key may be forgotten: a repeat could charge again, so the order's intents are asked for.
        clock.Offset = TimeSpan.FromHours(25);
        await app.HandleAsync(charge);

        var payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal(PaymentStatus.Succeeded, payment.Status);
        Assert.Single(app.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)));
        Assert.Contains(app.ProviderTraffic, c => c is { Method: "GET", Path: "/v1/payment_intents", Status: 200 });
        Assert.Equal(payment.ProviderIntentId, Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Charges).GetProperty("payment_intent").GetString());
    }

    [Fact]
    public async Task TheProviderNeverSeesMoreThanEightCallsAtOnce()
    {
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(_infrastructure, provider);
        using var api = provider.Api();
        await api.SetFaultsAsync(new { mode = "none", latency_ms = 300 });
        var charges = Enumerable.Range(0, 20).Select(_ => Orders.Charge()).ToList();

        await Task.WhenAll(charges.Select(c => Task.Run(() => app.HandleAsync(c))));

        // The bulkhead queued the rest instead of failing them: every charge succeeded.
        foreach (var charge in charges)
        {
            Assert.Equal(PaymentStatus.Succeeded, (await app.PaymentAsync(charge.OrderId))!.Status);
        }

        var stats = await api.GetJsonAsync("/v1/test/stats");
        Assert.InRange(stats.Body.GetProperty("max_in_flight").GetInt32(), 2, 8);
    }
}
