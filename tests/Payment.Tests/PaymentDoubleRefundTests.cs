using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AspireShop.Payment.API.Domain;
using AspireShop.Payment.API.Services;
using AspireShop.Payment.Contracts;
using AspireShop.TestKit;
using Xunit.Abstractions;

namespace AspireShop.Payment.Tests;

/// <summary>
/// The double refund (issue 14). Only Payment refunds, but the buyer's cancel, the saga's compensation, a redelivered
/// command, the PaymentReconciler and the provider's duplicated webhooks can all ask at once, for many orders at once,
/// with the provider failing after it committed a share of the refunds. Exactly one refund per order reaches the
/// provider's ledger, for exactly what was captured: the guarded refund claim (one row per reason, its amount taken
/// from what is left under the payment's row lock) decides who calls, and the refund's idempotency key makes every
/// repeat of that call replay the first one.
/// </summary>
public sealed class PaymentDoubleRefundTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int OrderCount = 100;

    /// <summary>Refund POSTs the provider commits and then answers 500: UNKNOWN refunds the reconciler must take over.</summary>
    private const int FaultedRefunds = 25;

    /// <summary>The buyer's cancel: <c>OrderSaga.Cancel</c> compensates with <c>FailureReasons.Cancelled</c>.</summary>
    private const string CancelReason = "cancelled";

    /// <summary>
    /// The saga's compensation of a capture: <c>OrderSaga.Handle(PaymentSucceeded)</c> compensates a capture of another
    /// amount than the order's with <c>FailureReasons.PaymentMismatch</c> (the other compensations follow a failed charge).
    /// </summary>
    private const string CompensationReason = "payment_mismatch";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private readonly InfrastructureFixture _infrastructure = new();

    public Task InitializeAsync() => _infrastructure.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CancelCompensationReconcilerAndDuplicatedWebhooksRefundEachOfAHundredOrdersOnce()
    {
        await using var receiver = await ProviderWebhookReceiver.StartAsync();
        await using var provider = await ProviderHost.StartAsync(_infrastructure, webhookUrl: receiver.Url);
        await using var app = await PaymentApp.StartAsync(_infrastructure, provider);
        using var api = provider.Api();
        var clock = Stopwatch.StartNew();

        // 1. A hundred orders charged through the real consumer, each for its own amount.
        var charges = Enumerable.Range(0, OrderCount).Select(i => Orders.Charge(amount: 10m + (i * 0.37m))).ToList();
        var orderIds = charges.Select(c => c.OrderId).ToList();
        await app.PublishAsync([.. charges]);
        var charged = await Poll.UntilAsync(
            () => app.PaymentsAsync(orderIds),
            payments => payments.Count == OrderCount && payments.Values.All(p => p.Status == PaymentStatus.Succeeded),
            Deadline,
            payments => $"{payments.Values.Count(p => p.Status == PaymentStatus.Succeeded)} of {OrderCount} charges succeeded");
        Assert.All(charges, c => Assert.Equal(c.Amount, charged[c.OrderId].CapturedAmount));
        var intentSucceeded = await Poll.UntilAsync(
            () => Task.FromResult(WebhooksOfType(receiver.Received, EventTypes.IntentSucceeded)),
            webhooks => orderIds.All(webhooks.ContainsKey),
            Deadline,
            webhooks => $"payment_intent.succeeded delivered for {webhooks.Count} of {OrderCount} orders");
        var chargedIn = clock.Elapsed;

        // 2. The race: every order at once, and within each order every asker at once.
        await api.SetFaultsAsync(new { mode = "error_after_commit", count = FaultedRefunds });
        var refundedWebhooks = orderIds.ToDictionary(id => id, _ => new TaskCompletionSource<ReceivedWebhook>(TaskCreationOptions.RunContinuationsAsynchronously));
        var webhookAnswers = new ConcurrentQueue<(Guid OrderId, string Type, HttpStatusCode Status)>();
        async Task ForwardAsync(Guid orderId, string type, ReceivedWebhook webhook) => webhookAnswers.Enqueue((orderId, type, await app.ForwardWebhookAsync(webhook)));
        clock.Restart();
        var dispatcher = DispatchRefundWebhooksAsync(receiver, refundedWebhooks);
        var race = Task.WhenAll(charges.Select(charge => Task.Run(async () =>
        {
            var cancel = new RefundPayment(charge.OrderId, CancelReason);
            var compensation = new RefundPayment(charge.OrderId, CompensationReason);
            var cancelId = Guid.NewGuid().ToString();
            var compensationId = Guid.NewGuid().ToString();
            var intentWebhook = intentSucceeded[charge.OrderId];
            await Task.WhenAll(
                Task.Run(() => app.HandleUntilSettledAsync(cancel, cancelId)),
                // Each command again under the same message id, as Kafka redelivers it after a crash before the offset commit.
                Task.Run(() => app.HandleUntilSettledAsync(cancel, cancelId)),
                Task.Run(() => app.HandleUntilSettledAsync(compensation, compensationId)),
                Task.Run(() => app.HandleUntilSettledAsync(compensation, compensationId)),
                Task.Run(app.ReconcileAsync),
                // The provider delivers at least once: its own deliveries, byte for byte, each forwarded twice.
                Task.Run(() => ForwardAsync(charge.OrderId, EventTypes.IntentSucceeded, intentWebhook)),
                Task.Run(() => ForwardAsync(charge.OrderId, EventTypes.IntentSucceeded, intentWebhook)),
                Task.Run(async () =>
                {
                    var refundWebhook = await refundedWebhooks[charge.OrderId].Task.WaitAsync(Deadline);
                    await Task.WhenAll(
                        ForwardAsync(charge.OrderId, EventTypes.ChargeRefunded, refundWebhook),
                        ForwardAsync(charge.OrderId, EventTypes.ChargeRefunded, refundWebhook));
                }));
        })));
        // The reconciler's timer (every 100 ms, as the service's every second) next to the rounds each order adds.
        var timer = Poll.UntilAsync(app.ReconcileAsync, _ => race.IsCompleted, Deadline, _ => "the race did not end", TimeSpan.FromMilliseconds(100));
        await race;
        await Task.WhenAll(dispatcher, timer);
        var racedIn = clock.Elapsed;

        // 3. Settled: every refund row final (the reconciler's rounds repeat every unknown one with its key).
        clock.Restart();
        var settled = await Poll.UntilAsync(
            async () =>
            {
                await app.ReconcileAsync();
                return await app.PaymentsAsync(orderIds);
            },
            payments => payments.Values.All(p => p.Refunds.Count == 2 && p.Refunds.All(r => r.Status == RefundStatus.Succeeded)),
            Deadline,
            payments => $"{payments.Values.Count(p => p.Refunds.Count == 2 && p.Refunds.All(r => r.Status == RefundStatus.Succeeded))} of {OrderCount} orders settled; "
                + $"refunds not settled: {string.Join(", ", payments.Values.SelectMany(p => p.Refunds).Where(r => r.Status != RefundStatus.Succeeded).Select(r => $"{r.Reason} {r.Status} x{r.ReconcileAttempts}"))}");
        output.WriteLine($"charged in {chargedIn.TotalSeconds:0.0} s, raced in {racedIn.TotalSeconds:0.0} s, settled {clock.Elapsed.TotalSeconds:0.0} s later");

        // The faults really fired: every faulted refund was committed at the provider and left UNKNOWN here.
        Assert.Equal("none", (await api.GetJsonAsync("/v1/test/faults")).Body.GetProperty("mode").GetString());
        var refundPosts = app.ProviderTraffic.Where(c => c.Method == "POST" && c.Path == "/v1/refunds").ToList();
        Assert.Equal(FaultedRefunds, refundPosts.Count(c => c.Status == 500));
        Assert.Equal(OrderCount * 4, webhookAnswers.Count);
        Assert.All(webhookAnswers, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        var refundRows = settled.Values.SelectMany(p => p.Refunds).ToList();
        Assert.Contains(refundRows, r => r.ReconcileAttempts > 0);
        Assert.All(refundRows, r => Assert.Null(r.NeedsAttentionAt));
        output.WriteLine($"{refundPosts.Count} refund POSTs ({refundPosts.Count(c => c.Replayed)} replayed), "
            + $"{refundRows.Count(r => r.ReconcileAttempts > 0)} refunds taken over by the reconciler");

        var ledger = await Task.WhenAll(orderIds.Select(async id => (Id: id, Ledger: await api.LedgerAsync(id.ToString()))));
        foreach (var (orderId, (ledgerCharges, ledgerRefunds)) in ledger)
        {
            var payment = settled[orderId];
            var because = $"order {orderId}";

            // Payment: refunded exactly what it captured, under one reason; the other reason found nothing left.
            Assert.Equal((PaymentStatus.Succeeded, payment.CapturedAmount), (payment.Status, payment.RefundedAmount));
            var refund = Assert.Single(payment.Refunds, r => r.Amount > 0);
            var other = Assert.Single(payment.Refunds, r => r.Amount == 0);
            Assert.Equal((payment.CapturedAmount, true), (refund.Amount, refund.ProviderRefundId is not null));
            Assert.Equal(
                [CancelReason, CompensationReason],
                new[] { refund.Reason, other.Reason }.Order(StringComparer.Ordinal));
            Assert.Null(other.ProviderRefundId);
            Assert.Empty(app.PostsWithKey(Refund.ProviderKey(payment.Id, other.Reason)));

            // The refund's key: repeated only after an answer that left the outcome unknown, executed once, 200 at last.
            var posts = app.PostsWithKey(Refund.ProviderKey(payment.Id, refund.Reason));
            Assert.True(posts.Count > 0 && posts[^1].Status == 200, $"{because}: {string.Join(", ", posts)}");
            Assert.True(posts.Take(posts.Count - 1).All(p => p.Status != 200), $"{because}: POSTed again after a 200: {string.Join(", ", posts)}");
            Assert.True(posts.Count(p => p.Status == 500 || (p.Status == 200 && !p.Replayed)) == 1, $"{because}: executed more than once: {string.Join(", ", posts)}");

            // The provider: one charge, one refund, its id the one Payment recorded, for exactly the capture.
            var ledgerCharge = Assert.Single(ledgerCharges);
            var ledgerRefund = Assert.Single(ledgerRefunds);
            Assert.Equal(
                (refund.ProviderRefundId, payment.ProviderIntentId, Money.ToMinorUnits(payment.CapturedAmount)!.Value),
                (ledgerRefund.GetProperty("id").GetString(), ledgerRefund.GetProperty("payment_intent").GetString(), ledgerRefund.GetProperty("amount").GetInt64()));
            Assert.Equal(payment.ProviderIntentId, ledgerCharge.GetProperty("payment_intent").GetString());

            // The saga heard one answer per command, whoever settled it: the charge, then each reason's refund once.
            var replies = await app.RepliesAsync(orderId);
            Assert.Equal(new PaymentSucceeded(orderId, payment.Id, payment.CapturedAmount, "USD"), replies[0]);
            Assert.Equal(
                [new PaymentRefunded(orderId, payment.Id, refund.Amount, "USD", refund.Reason), new PaymentRefunded(orderId, payment.Id, 0m, "USD", other.Reason)],
                replies.Skip(1).OfType<PaymentRefunded>().OrderByDescending(r => r.Amount));
            Assert.Equal(3, replies.Count);
        }
    }

    /// <summary>Hands each order's <c>charge.refunded</c> delivery to its racer as soon as the receiver has it.</summary>
    private static async Task DispatchRefundWebhooksAsync(ProviderWebhookReceiver receiver, Dictionary<Guid, TaskCompletionSource<ReceivedWebhook>> waiting)
    {
        var seen = 0;
        await Poll.UntilAsync(
            () =>
            {
                var received = receiver.Received.ToArray();
                foreach (var (orderId, webhook) in WebhooksOfType(received.Skip(seen), EventTypes.ChargeRefunded))
                {
                    if (waiting.TryGetValue(orderId, out var racer))
                    {
                        racer.TrySetResult(webhook);
                    }
                }

                seen = received.Length;
                return Task.FromResult(waiting.Values.Count(t => t.Task.IsCompleted));
            },
            handed => handed == waiting.Count,
            Deadline,
            handed => $"charge.refunded delivered for {handed} of {waiting.Count} orders",
            TimeSpan.FromMilliseconds(50));
    }

    /// <summary>The first delivery of an event type per order (its object's <c>order_reference</c> metadata).</summary>
    private static Dictionary<Guid, ReceivedWebhook> WebhooksOfType(IEnumerable<ReceivedWebhook> received, string type)
    {
        var byOrder = new Dictionary<Guid, ReceivedWebhook>();
        foreach (var webhook in received)
        {
            using var json = JsonDocument.Parse(webhook.Body);
            var target = json.RootElement.GetProperty("data").GetProperty("object");
            if (json.RootElement.GetProperty("type").GetString() == type
                && target.TryGetProperty("metadata", out var metadata)
                && metadata.TryGetProperty(PaymentIntent.OrderReferenceKey, out var reference)
                && Guid.TryParse(reference.GetString(), out var orderId))
            {
                byOrder.TryAdd(orderId, webhook);
            }
        }

        return byOrder;
    }

    private static class EventTypes
    {
        public const string IntentSucceeded = "payment_intent.succeeded";
        public const string ChargeRefunded = "charge.refunded";
    }
}
