using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Payment.API.Domain;
using AspireShop.Payment.API.Events;
using AspireShop.Payment.API.Services;
using AspireShop.Payment.Contracts;
using AspireShop.TestKit;

namespace AspireShop.Payment.Tests;

/// <summary>
/// A seller cancels its part of a confirmed order (issue 15): Fulfillment's <see cref="ShipmentCancelled"/> refunds that
/// part once, under <c>seller:&lt;id&gt;</c>, through the refund row, provider key and reconciler of a full refund; the
/// buyer's later cancel refunds only the rest, and no mix of the two ever returns more than was captured. A part
/// cancelled with its whole order moves no money here (the saga's full refund returns it).
/// </summary>
public sealed class PaymentSellerRefundTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    /// <summary>The buyer's cancel: <c>OrderSaga.Cancel</c> compensates with <c>FailureReasons.Cancelled</c>.</summary>
    private const string CancelReason = "cancelled";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private PaymentApp App => fixture.App;

    [Fact]
    public void ASellersPartIsRefundedUnderTheReasonEveryReaderOfRefundsMatches()
    {
        var sellerId = Guid.NewGuid();
        Assert.Equal($"{PaymentRefunded.SellerReasonPrefix}{sellerId}", ShipmentCancelled.RefundReason(sellerId));
    }

    [Fact]
    public async Task ASellersCancelledPartIsRefundedOnceAndTheBuyersCancelThenRefundsOnlyTheRest()
    {
        var charge = Orders.Charge(amount: 50m);
        await App.HandleAsync(charge);
        var (sellerA, sellerB) = (Guid.NewGuid(), Guid.NewGuid());
        var part = Cancelled(charge, sellerA, 20m);
        var reason = ShipmentCancelled.RefundReason(sellerA);
        var first = Guid.NewGuid().ToString();
        var again = Guid.NewGuid().ToString();

        // Through the real consumer: the event, its redelivery (same id), and the same cancellation under another id.
        await App.PublishAsync(part, first);
        await App.PublishAsync(part, first);
        await App.PublishAsync(part, again);
        // One partition per order, in order: the last one handled means the first two were.
        await WaitHandledAsync(again);

        var payment = (await App.PaymentAsync(charge.OrderId))!;
        var refund = Assert.Single(payment.Refunds);
        Assert.Equal((reason, 20m, RefundStatus.Succeeded), (refund.Reason, refund.Amount, refund.Status));
        Assert.Equal((50m, 20m), (payment.CapturedAmount, payment.RefundedAmount));
        Assert.StartsWith(PaymentRefunded.SellerReasonPrefix, reason, StringComparison.Ordinal);
        Assert.Single(App.PostsWithKey(Refund.ProviderKey(payment.Id, reason)));
        using var api = fixture.Provider.Api();
        var ledgerRefund = Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Refunds);
        Assert.Equal((refund.ProviderRefundId, 2000L), (ledgerRefund.GetProperty("id").GetString(), ledgerRefund.GetProperty("amount").GetInt64()));
        Assert.Equal(
            [new PaymentSucceeded(charge.OrderId, payment.Id, 50m, "USD"), new PaymentRefunded(charge.OrderId, payment.Id, 20m, "USD", reason)],
            await App.RepliesAsync(charge.OrderId));

        // The buyer cancels the order: the saga's full refund returns only what the seller's refund left.
        await App.PublishAsync(new RefundPayment(charge.OrderId, CancelReason));
        var replies = await App.WaitForRepliesAsync(charge.OrderId, 3);
        Assert.Equal(new PaymentRefunded(charge.OrderId, payment.Id, 30m, "USD", CancelReason), replies[2]);

        // A seller's part racing the buyer's cancel, handled after it: nothing is left, so no provider call, one 0 reply.
        var late = ShipmentCancelled.RefundReason(sellerB);
        var lateId = Guid.NewGuid().ToString();
        await App.PublishAsync(Cancelled(charge, sellerB, 30m), lateId);
        await App.PublishAsync(Cancelled(charge, sellerB, 30m), lateId);
        await WaitHandledAsync(lateId);

        payment = (await App.PaymentAsync(charge.OrderId))!;
        Assert.Equal((50m, 50m), (payment.CapturedAmount, payment.RefundedAmount));
        Assert.Equal(50m, payment.Refunds.Sum(r => r.Amount));
        Assert.Equal(0m, Assert.Single(payment.Refunds, r => r.Reason == late).Amount);
        Assert.Empty(App.PostsWithKey(Refund.ProviderKey(payment.Id, late)));
        Assert.Equal([2000L, 3000L], (await api.LedgerAsync(charge.OrderId.ToString())).Refunds.Select(r => r.GetProperty("amount").GetInt64()).Order());
        Assert.Equal(
            [
                new PaymentRefunded(charge.OrderId, payment.Id, 20m, "USD", reason),
                new PaymentRefunded(charge.OrderId, payment.Id, 30m, "USD", CancelReason),
                new PaymentRefunded(charge.OrderId, payment.Id, 0m, "USD", late),
            ],
            (await App.RepliesAsync(charge.OrderId)).OfType<PaymentRefunded>());
    }

    [Fact]
    public async Task APartCancelledWithItsWholeOrderAndOtherShipmentEventsMoveNoMoney()
    {
        var charge = Orders.Charge(amount: 50m);
        await App.HandleAsync(charge);
        var (sellerA, sellerB) = (Guid.NewGuid(), Guid.NewGuid());
        var ignored = new[] { Guid.NewGuid().ToString(), Guid.NewGuid().ToString() };
        var sentinel = Guid.NewGuid().ToString();

        // The saga refunds a cancelled order whole, so Fulfillment's OrderCancelled parts are not refunded again.
        await App.PublishAsync(Cancelled(charge, sellerA, 20m) with { OrderCancelled = true }, ignored[0]);
        await App.PublishAsync(new ShipmentShipped(charge.OrderId, Guid.NewGuid(), sellerB, charge.BuyerId, "DHL", "TRACK-1", DateTimeOffset.UtcNow), ignored[1]);
        await App.PublishAsync(Cancelled(charge, sellerB, 30m), sentinel);
        await WaitHandledAsync(sentinel);
        await App.HandleAsync(Cancelled(charge, sellerA, 20m) with { OrderCancelled = true });

        var payment = (await App.PaymentAsync(charge.OrderId))!;
        var refund = Assert.Single(payment.Refunds);
        Assert.Equal((ShipmentCancelled.RefundReason(sellerB), 30m, 30m), (refund.Reason, refund.Amount, payment.RefundedAmount));
        Assert.Empty(App.PostsWithKey(Refund.ProviderKey(payment.Id, ShipmentCancelled.RefundReason(sellerA))));
        foreach (var id in ignored)
        {
            Assert.False(await App.HandledAsync(ShipmentCancelledHandler.ConsumerGroup, id), id);
        }

        using var api = fixture.Provider.Api();
        Assert.Equal(3000L, Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Refunds).GetProperty("amount").GetInt64());
        Assert.Single((await App.RepliesAsync(charge.OrderId)).OfType<PaymentRefunded>());
    }

    [Fact]
    public async Task ConcurrentPartAndFullRefundsOfManyOrdersNeverReturnMoreThanTheCapture()
    {
        const int orderCount = 20;
        var charges = Enumerable.Range(0, orderCount).Select(i => Orders.Charge(amount: 50m + i)).ToList();
        await Task.WhenAll(charges.Select(c => Task.Run(() => App.HandleUntilSettledAsync(c))));
        var sellers = charges.ToDictionary(c => c.OrderId, _ => (A: Guid.NewGuid(), B: Guid.NewGuid()));

        // Per order, all at once: seller A's part delivered twice (same id), seller B's part, the buyer's cancel, the reconciler.
        await Task.WhenAll(charges.Select(charge => Task.Run(async () =>
        {
            var (a, b) = sellers[charge.OrderId];
            var partA = Cancelled(charge, a, 20m);
            var partAId = Guid.NewGuid().ToString();
            await Task.WhenAll(
                Task.Run(() => App.HandleAsync(partA, partAId)),
                Task.Run(() => App.HandleAsync(partA, partAId)),
                Task.Run(() => App.HandleAsync(Cancelled(charge, b, 25m))),
                Task.Run(() => App.HandleUntilSettledAsync(new RefundPayment(charge.OrderId, CancelReason))),
                Task.Run(App.ReconcileAsync));
        })));

        var payments = await App.PaymentsAsync([.. charges.Select(c => c.OrderId)]);
        using var api = fixture.Provider.Api();
        foreach (var charge in charges)
        {
            var payment = payments[charge.OrderId];
            var (a, b) = sellers[charge.OrderId];
            var because = $"order {charge.OrderId}: {string.Join(", ", payment.Refunds.Select(r => $"{r.Reason} {r.Amount} {r.Status}"))}";

            // Everything returned once, whichever came first; each seller's part whole or, after the cancel, nothing.
            Assert.True(payment.Refunds.Count == 3 && payment.Refunds.All(r => r.Status == RefundStatus.Succeeded), because);
            Assert.True((payment.CapturedAmount, payment.RefundedAmount, payment.Refunds.Sum(r => r.Amount)) == (charge.Amount, charge.Amount, charge.Amount), because);
            Assert.True(payment.Refunds.Single(r => r.Reason == ShipmentCancelled.RefundReason(a)).Amount is 0m or 20m, because);
            Assert.True(payment.Refunds.Single(r => r.Reason == ShipmentCancelled.RefundReason(b)).Amount is 0m or 25m, because);

            // The provider refunded each non-zero refund once, for its amount, and the capture in all.
            var ledger = (await api.LedgerAsync(charge.OrderId.ToString())).Refunds;
            Assert.Equal(
                payment.Refunds.Where(r => r.Amount > 0).Select(r => Money.ToMinorUnits(r.Amount)!.Value).Order(),
                ledger.Select(r => r.GetProperty("amount").GetInt64()).Order());
            Assert.All(payment.Refunds, r => Assert.True(App.PostsWithKey(Refund.ProviderKey(payment.Id, r.Reason)).Count == (r.Amount > 0 ? 1 : 0), because));

            // One reply per refund: the saga's one command and each seller's part, the twice-delivered one too.
            Assert.Equal(
                payment.Refunds.Select(r => (r.Reason, r.Amount)).Order(),
                (await App.RepliesAsync(charge.OrderId)).OfType<PaymentRefunded>().Select(r => (r.Reason, r.Amount)).Order());
        }
    }

    [Fact]
    public async Task APartOfAnUnsettledChargeWaitsForItAnUnknownRefundIsReconciledOnceAndAFailedChargeHasNothingToRefund()
    {
        await using var provider = await ProviderHost.StartAsync(fixture.Infrastructure);
        await using var app = await PaymentApp.StartAsync(fixture.Infrastructure, provider);
        using var api = provider.Api();
        var seller = Guid.NewGuid();

        // No payment yet, then an unknown charge: the part is retried (the consumer host's backoff), nothing recorded.
        var charge = Orders.Charge(amount: 40m);
        var part = Cancelled(charge, seller, 15m);
        var partId = Guid.NewGuid().ToString();
        await Assert.ThrowsAsync<PaymentOutcomePendingException>(() => app.HandleAsync(part, partId));
        await api.SetFaultsAsync(new { mode = "error_before_commit", count = 1 });
        await app.HandleAsync(charge);
        Assert.Equal(PaymentStatus.Unknown, (await app.PaymentAsync(charge.OrderId))!.Status);
        await Assert.ThrowsAsync<PaymentOutcomePendingException>(() => app.HandleAsync(part, partId));
        Assert.Empty((await app.PaymentAsync(charge.OrderId))!.Refunds);
        Assert.False(await app.HandledAsync(ShipmentCancelledHandler.ConsumerGroup, partId));

        // The reconciler settles the charge; the retried part is refunded.
        Assert.Equal(1, await app.ReconcileAsync());
        await app.HandleAsync(part, partId);
        var payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Succeeded, 15m), (payment.Status, payment.RefundedAmount));
        Assert.Equal(1500L, Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Refunds).GetProperty("amount").GetInt64());

        // Another seller's refund the provider made but answered 500: unknown, no reply; its redelivery changes nothing,
        // and the reconciler repeats it with its key, which settles it once with its one reply.
        var other = Guid.NewGuid();
        var otherReason = ShipmentCancelled.RefundReason(other);
        var otherId = Guid.NewGuid().ToString();
        await api.SetFaultsAsync(new { mode = "error_after_commit", count = 1 });
        await app.HandleAsync(Cancelled(charge, other, 5m), otherId);
        await app.HandleAsync(Cancelled(charge, other, 5m), otherId);
        Assert.Equal(RefundStatus.Unknown, (await app.PaymentAsync(charge.OrderId))!.Refunds.Single(r => r.Reason == otherReason).Status);
        Assert.Single((await app.RepliesAsync(charge.OrderId)).OfType<PaymentRefunded>());
        Assert.Equal(1, await app.ReconcileAsync());
        payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((RefundStatus.Succeeded, 20m), (payment.Refunds.Single(r => r.Reason == otherReason).Status, payment.RefundedAmount));
        Assert.Equal([(500, false), (200, true)], app.PostsWithKey(Refund.ProviderKey(payment.Id, otherReason)).Select(c => (c.Status ?? 0, c.Replayed)));
        Assert.Equal([500L, 1500L], (await api.LedgerAsync(charge.OrderId.ToString())).Refunds.Select(r => r.GetProperty("amount").GetInt64()).Order());
        Assert.Equal(
            [new PaymentRefunded(charge.OrderId, payment.Id, 15m, "USD", ShipmentCancelled.RefundReason(seller)), new PaymentRefunded(charge.OrderId, payment.Id, 5m, "USD", otherReason)],
            (await app.RepliesAsync(charge.OrderId)).OfType<PaymentRefunded>());

        // A declined charge captured nothing: the part's refund is one of 0, answered once, never sent to the provider.
        var declined = Orders.Charge(card: "4000000000000002");
        await app.HandleAsync(declined);
        var nothing = Cancelled(declined, seller, 15m);
        await app.HandleAsync(nothing);
        await app.HandleAsync(nothing);
        var failed = (await app.PaymentAsync(declined.OrderId))!;
        Assert.Equal((PaymentStatus.Failed, 0m), (failed.Status, Assert.Single(failed.Refunds).Amount));
        Assert.Empty(app.PostsWithKey(Refund.ProviderKey(failed.Id, ShipmentCancelled.RefundReason(seller))));
        Assert.Equal(
            new PaymentRefunded(declined.OrderId, failed.Id, 0m, "USD", ShipmentCancelled.RefundReason(seller)),
            Assert.Single((await app.RepliesAsync(declined.OrderId)).OfType<PaymentRefunded>()));
    }

    [Fact]
    public async Task APartThatCannotBeRefundedAsGivenIsPoisonAndChangesNothing()
    {
        var charge = Orders.Charge(amount: 50m);
        await App.HandleAsync(charge);
        var seller = Guid.NewGuid();

        // Refused once, straight to the dead letters: no retry could make these right.
        await Assert.ThrowsAsync<PoisonMessageException>(() => App.HandleAsync(Cancelled(charge, seller, -1m)));
        await Assert.ThrowsAsync<PoisonMessageException>(() => App.HandleAsync(Cancelled(charge, seller, 1.001m)));
        await Assert.ThrowsAsync<PoisonMessageException>(() => App.HandleAsync(Cancelled(charge, seller, 10m) with { Currency = "EUR" }));

        var payment = (await App.PaymentAsync(charge.OrderId))!;
        Assert.Equal((0m, 0), (payment.RefundedAmount, payment.Refunds.Count));
        Assert.Single(await App.RepliesAsync(charge.OrderId));
    }

    private async Task WaitHandledAsync(string messageId) =>
        await Poll.UntilAsync(
            () => App.HandledAsync(ShipmentCancelledHandler.ConsumerGroup, messageId),
            handled => handled,
            Deadline,
            _ => $"shipment event {messageId} not handled");

    /// <summary>The seller's part of the order as Fulfillment publishes its cancellation: one line worth <paramref name="amount"/>.</summary>
    private static ShipmentCancelled Cancelled(ChargePayment charge, Guid sellerId, decimal amount) => new(
        charge.OrderId,
        Guid.NewGuid(),
        sellerId,
        charge.BuyerId,
        [new ShipmentLine(Guid.NewGuid(), Guid.NewGuid(), "Desk lamp", 1, amount, amount)],
        amount,
        charge.Currency,
        "out of stock",
        DateTimeOffset.UtcNow);
}
