using AspireShop.Payment.API.Domain;
using AspireShop.Payment.Contracts;

namespace AspireShop.Payment.Tests;

/// <summary>
/// ChargePayment and RefundPayment through the real consumer (Kafka) and straight through the handler (concurrency),
/// against the real provider: what it captured and refunded (its ledger), what Payment recorded, what it replied.
/// </summary>
public sealed class PaymentCommandTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private PaymentApp App => fixture.App;

    private ProviderHost Provider => fixture.Provider;

    [Fact]
    public async Task AChargeCapturesOnceAndRepliesSucceeded()
    {
        var charge = Orders.Charge(amount: 19.99m);

        await App.PublishAsync(charge);

        var reply = Assert.IsType<PaymentSucceeded>(Assert.Single(await App.WaitForRepliesAsync(charge.OrderId, 1)));
        var payment = (await App.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Succeeded, 19.99m, 0m, "USD", charge.BuyerId), (payment.Status, payment.CapturedAmount, payment.RefundedAmount, payment.Currency, payment.BuyerId));
        Assert.Equal(new PaymentSucceeded(charge.OrderId, payment.Id, 19.99m, "USD"), reply);
        using var provider = Provider.Api();
        var captured = Assert.Single((await provider.LedgerAsync(charge.OrderId.ToString())).Charges);
        Assert.Equal((payment.ProviderIntentId, 1999L, "usd"), (captured.GetProperty("payment_intent").GetString(), captured.GetProperty("amount").GetInt64(), captured.GetProperty("currency").GetString()));
        Assert.Equal(OrderPayment.ChargeKey(charge.OrderId), Assert.Single(App.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId))).IdempotencyKey);
    }

    [Theory]
    [InlineData("4000000000000002", PaymentFailureReasons.Declined)]
    [InlineData("4000000000009995", PaymentFailureReasons.InsufficientFunds)]
    [InlineData("4000000000000119", PaymentFailureReasons.ProcessingError)]
    public async Task ADeclinedCardFailsWithItsReasonAndCapturesNothing(string card, string reason)
    {
        var charge = Orders.Charge(card: card);

        await App.PublishAsync(charge);

        var reply = Assert.IsType<PaymentFailed>(Assert.Single(await App.WaitForRepliesAsync(charge.OrderId, 1)));
        var payment = (await App.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Failed, reason, 0m), (payment.Status, payment.FailureReason, payment.CapturedAmount));
        Assert.Equal(new PaymentFailed(charge.OrderId, payment.Id, reason), reply);
        using var provider = Provider.Api();
        Assert.Empty((await provider.LedgerAsync(charge.OrderId.ToString())).Charges);

        // Compensation of a failed charge: nothing to return, and the provider is not asked.
        await App.PublishAsync(new RefundPayment(charge.OrderId, "stock_unavailable"));
        Assert.Equal(new PaymentRefunded(charge.OrderId, payment.Id, 0m, "USD", "stock_unavailable"), (await App.WaitForRepliesAsync(charge.OrderId, 2))[1]);
        Assert.DoesNotContain(App.ProviderTraffic, c => c.Path == "/v1/refunds" && c.IdempotencyKey == Refund.ProviderKey(payment.Id, "stock_unavailable"));
    }

    [Fact]
    public async Task AChargeTheProviderRefusesAsInvalidFailsInsteadOfRetryingForever()
    {
        // Over the provider's eight digits of minor units: refused before anything executes, on every attempt.
        var charge = Orders.Charge(amount: 1_000_000m);

        await App.HandleAsync(charge);

        var payment = (await App.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Failed, PaymentFailureReasons.ProcessingError), (payment.Status, payment.FailureReason));
        Assert.Equal(new PaymentFailed(charge.OrderId, payment.Id, PaymentFailureReasons.ProcessingError), Assert.Single(await App.RepliesAsync(charge.OrderId)));
        Assert.Equal(400, Assert.Single(App.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId))).Status);
    }

    [Fact]
    public async Task TheSameChargeDeliveredFiveTimesCapturesOnceAndAnswersEachRequest()
    {
        var charge = Orders.Charge();
        var firstId = Guid.NewGuid().ToString();

        // The first message, redelivered once (same id), and four re-sends by the saga's timers (new ids), in order.
        await App.RedeliverAsync(charge, firstId);
        await App.RedeliverAsync(charge, firstId);
        await App.PublishAsync(charge, charge, charge, charge);

        var replies = await App.WaitForRepliesAsync(charge.OrderId, 5);
        var payment = (await App.PaymentAsync(charge.OrderId))!;
        Assert.All(replies, r => Assert.Equal(new PaymentSucceeded(charge.OrderId, payment.Id, charge.Amount, "USD"), r));
        // The redelivery came before the last re-send on the same partition: had it replied, there would be six.
        Assert.Equal(5, (await App.RepliesAsync(charge.OrderId)).Count);
        Assert.Single(App.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)));
        using var provider = Provider.Api();
        Assert.Single((await provider.LedgerAsync(charge.OrderId.ToString())).Charges);
    }

    [Fact]
    public async Task ConcurrentDeliveriesOfOneChargeCallTheProviderOnce()
    {
        var charge = Orders.Charge();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => App.HandleUntilSettledAsync(charge))));

        var replies = await App.RepliesAsync(charge.OrderId);
        Assert.Equal(5, replies.Count);
        Assert.All(replies, r => Assert.IsType<PaymentSucceeded>(r));
        // The guarded claim let exactly one worker ask; the others waited for its answer.
        Assert.Single(App.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)));
        using var provider = Provider.Api();
        Assert.Single((await provider.LedgerAsync(charge.OrderId.ToString())).Charges);
    }

    [Fact]
    public async Task ARefundAfterTheChargeReturnsTheCaptureOnce()
    {
        var charge = Orders.Charge(amount: 42.50m);
        await App.PublishAsync(charge);
        await App.WaitForRepliesAsync(charge.OrderId, 1);

        await App.PublishAsync(new RefundPayment(charge.OrderId, "order_cancelled"));
        var replies = await App.WaitForRepliesAsync(charge.OrderId, 2);

        var payment = (await App.PaymentAsync(charge.OrderId))!;
        Assert.Equal(new PaymentRefunded(charge.OrderId, payment.Id, 42.50m, "USD", "order_cancelled"), replies[1]);
        Assert.Equal((PaymentStatus.Succeeded, 42.50m, 42.50m), (payment.Status, payment.CapturedAmount, payment.RefundedAmount));
        var refund = Assert.Single(payment.Refunds);
        Assert.Equal((RefundStatus.Succeeded, 42.50m), (refund.Status, refund.Amount));
        using var provider = Provider.Api();
        var refunded = Assert.Single((await provider.LedgerAsync(charge.OrderId.ToString())).Refunds);
        Assert.Equal((refund.ProviderRefundId, 4250L), (refunded.GetProperty("id").GetString(), refunded.GetProperty("amount").GetInt64()));
    }

    [Fact]
    public async Task ConcurrentRefundsOfOneOrderRefundOnceAtTheProvider()
    {
        var charge = Orders.Charge(amount: 10m);
        await App.HandleAsync(charge);
        var refund = new RefundPayment(charge.OrderId, "order_cancelled");

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => App.HandleUntilSettledAsync(refund))));
        // Another reason arriving later finds nothing left to return.
        await App.HandleAsync(new RefundPayment(charge.OrderId, "duplicate_order"));

        var payment = (await App.PaymentAsync(charge.OrderId))!;
        var replies = await App.RepliesAsync(charge.OrderId);
        Assert.Equal(
            [.. Enumerable.Repeat(new PaymentRefunded(charge.OrderId, payment.Id, 10m, "USD", "order_cancelled"), 3), new PaymentRefunded(charge.OrderId, payment.Id, 0m, "USD", "duplicate_order")],
            replies.OfType<PaymentRefunded>());
        Assert.Equal(10m, payment.RefundedAmount);
        Assert.Single(App.PostsWithKey(Refund.ProviderKey(payment.Id, "order_cancelled")));
        Assert.Empty(App.PostsWithKey(Refund.ProviderKey(payment.Id, "duplicate_order")));
        using var provider = Provider.Api();
        Assert.Equal(1000L, Assert.Single((await provider.LedgerAsync(charge.OrderId.ToString())).Refunds).GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task ARefundBeforeTheChargeFencesItSoTheChargeCapturesNothing()
    {
        var charge = Orders.Charge();

        // Out of order, as a saga timing out on a slow first delivery can cause: the refund overtakes the charge.
        await App.PublishAsync(new RefundPayment(charge.OrderId, "payment_timeout"), charge);

        var replies = await App.WaitForRepliesAsync(charge.OrderId, 2);
        var payment = (await App.PaymentAsync(charge.OrderId))!;
        Assert.Equal(
            [new PaymentRefunded(charge.OrderId, payment.Id, 0m, "", "payment_timeout"), new PaymentFailed(charge.OrderId, payment.Id, PaymentFailureReasons.Cancelled)],
            replies);
        Assert.Equal((PaymentStatus.Failed, PaymentFailureReasons.Cancelled, 0m, charge.Amount), (payment.Status, payment.FailureReason, payment.CapturedAmount, payment.Amount));
        Assert.Empty(App.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)));
        using var provider = Provider.Api();
        Assert.Empty((await provider.LedgerAsync(charge.OrderId.ToString())).Charges);
    }
}
