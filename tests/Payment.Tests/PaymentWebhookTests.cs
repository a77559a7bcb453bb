using System.Net;
using System.Text;
using System.Text.Json;
using AspireShop.Payment.API.Domain;
using AspireShop.Payment.API.Services;
using AspireShop.Payment.Contracts;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.Payment.Tests;

/// <summary>
/// The provider's webhooks: refused unless signed with the shared secret within five minutes, deduplicated by event
/// id, and only a prompt to fetch the intent again and settle a payment still in flight.
/// </summary>
public sealed class PaymentWebhookTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private const string Path = "/api/payments/webhooks";

    public static TheoryData<string, string?> BadSignatures()
    {
        var now = DateTimeOffset.UtcNow;
        return new()
        {
            { "missing", null },
            { "another secret", WebhookSignature.Sign(Body, "whsec_someone_else", now) },
            { "stale", WebhookSignature.Sign(Body, ProviderHost.WebhookSecret, now.AddMinutes(-6)) },
            { "from the future", WebhookSignature.Sign(Body, ProviderHost.WebhookSecret, now.AddMinutes(6)) },
            { "another body", WebhookSignature.Sign(Body.Replace("succeeded", "failed", StringComparison.Ordinal), ProviderHost.WebhookSecret, now) },
            { "no timestamp", "v1=" + WebhookSignature.Sign(Body, ProviderHost.WebhookSecret, now).Split("v1=")[1] },
            { "not hex", $"t={now.ToUnixTimeSeconds()},v1=zz" },
            { "garbage", "garbage" },
        };
    }

    private static readonly string EventId = $"evt_bad_{Guid.NewGuid():N}";

    private static string Body => JsonSerializer.Serialize(new
    {
        id = EventId,
        @object = "event",
        type = "payment_intent.succeeded",
        created = 1,
        data = new { @object = new { id = "pi_x", @object = "payment_intent" } },
    });

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public async Task AWebhookWithoutAValidSignatureIsRefusedAndChangesNothing(string why, string? signature)
    {
        using var client = fixture.App.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, signature);
        }

        using var response = await client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await fixture.App.InboxCountAsync(Receipt.WebhookConsumer));
    }

    [Fact]
    public async Task TheProvidersWebhookSettlesAnUnknownPaymentOnce()
    {
        await using var receiver = await ProviderWebhookReceiver.StartAsync();
        await using var provider = await ProviderHost.StartAsync(fixture.Infrastructure, webhookUrl: receiver.Url);
        // The charge is handed to the handler directly, and the reconciler runs only when told, so only the webhook settles it.
        await using var app = await PaymentApp.StartAsync(fixture.Infrastructure, provider);
        using var api = provider.Api();
        await api.SetFaultsAsync(new { mode = "error_after_commit", count = 1 });
        var charge = Orders.Charge();
        var messageId = Guid.NewGuid().ToString();
        await app.HandleAsync(charge, messageId);
        Assert.Equal(PaymentStatus.Unknown, (await app.PaymentAsync(charge.OrderId))!.Status);

        var webhook = await Poll.UntilAsync(
            () => Task.FromResult(receiver.Received.FirstOrDefault(w => w.Type == "payment_intent.succeeded" && w.Body.Contains(charge.OrderId.ToString(), StringComparison.Ordinal))),
            w => w is not null,
            TimeSpan.FromSeconds(30),
            _ => $"no payment_intent.succeeded webhook for {charge.OrderId}; received {receiver.Received.Count}");
        // The provider's own delivery, byte for byte, forwarded to Payment (twice: providers deliver at least once).
        var first = await ForwardAsync(app, webhook!);
        var second = await ForwardAsync(app, webhook!);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first, second));
        var payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Succeeded, charge.Amount, webhook!.ObjectId), (payment.Status, payment.CapturedAmount, payment.ProviderIntentId));
        Assert.Equal(new PaymentSucceeded(charge.OrderId, payment.Id, charge.Amount, "USD"), Assert.Single(await app.RepliesAsync(charge.OrderId)));

        // A redelivery of the command changes nothing, and the reconciler finds nothing left to ask about.
        await app.HandleAsync(charge, messageId);
        Assert.Equal(0, await app.ReconcileAsync());
        Assert.Single(await app.RepliesAsync(charge.OrderId));
        Assert.Single(app.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)));
        Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Charges);
    }

    [Fact]
    public async Task ARefundWhoseWorkerDiedAfterTheProviderRefundedIsSettledAtItsWebhookNotAfterTheLeaseWithOneRefund()
    {
        var clock = new ShiftedClock();
        await using var receiver = await ProviderWebhookReceiver.StartAsync();
        await using var provider = await ProviderHost.StartAsync(fixture.Infrastructure, webhookUrl: receiver.Url);
        await using var app = await PaymentApp.StartAsync(fixture.Infrastructure, provider, clock: clock);
        using var api = provider.Api();
        var charge = Orders.Charge();
        await app.HandleAsync(charge);
        var payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal(PaymentStatus.Succeeded, payment.Status);

        // The dead worker's steps, up to the crash: its refund claimed, then the provider refunded; nothing recorded after.
        const string reason = "cancelled";
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var (refund, claimed, _) = await scope.ServiceProvider.GetRequiredService<PaymentStore>().OpenRefundAsync(payment.Id, reason, amount: null, receipt: null, CancellationToken.None);
            Assert.True(claimed);
            var answer = await scope.ServiceProvider.GetRequiredService<ProviderClient>().CreateRefundAsync(
                new CreateRefundRequest(payment.ProviderIntentId!, Money.ToMinorUnits(refund.Amount), new Dictionary<string, string>
                {
                    [PaymentIntent.OrderReferenceKey] = charge.OrderId.ToString(),
                    ["reason"] = reason,
                }),
                Refund.ProviderKey(payment.Id, reason),
                CancellationToken.None);
            Assert.Equal(ProviderOutcome.Ok, answer.Outcome);
        }

        // Within the lease the claim is the dead worker's, until the provider's charge.refunded says the call went through.
        Assert.Equal(0, await app.ReconcileAsync());
        var webhook = await Poll.UntilAsync(
            () => Task.FromResult(receiver.Received.FirstOrDefault(w => w.Type == "charge.refunded" && w.Body.Contains(charge.OrderId.ToString(), StringComparison.Ordinal))),
            w => w is not null,
            TimeSpan.FromSeconds(30),
            _ => $"no charge.refunded webhook for {charge.OrderId}; received {receiver.Received.Count}");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (await ForwardAsync(app, webhook!), await ForwardAsync(app, webhook!)));
        // A live worker would have recorded its answer within the grace; well inside the lease, the reconciler asks.
        Assert.Equal(0, await app.ReconcileAsync());
        clock.Offset = PaymentStore.RefundPromptGrace + TimeSpan.FromSeconds(1);
        Assert.Equal(1, await app.ReconcileAsync());

        Assert.Equal(new PaymentRefunded(charge.OrderId, payment.Id, charge.Amount, "USD", reason), (await app.RepliesAsync(charge.OrderId)).OfType<PaymentRefunded>().Single());
        Assert.Equal([false, true], app.PostsWithKey(Refund.ProviderKey(payment.Id, reason)).Select(c => c.Replayed));
        Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Refunds);
        Assert.Equal(0, await app.ReconcileAsync());
    }

    private static async Task<HttpStatusCode> ForwardAsync(PaymentApp app, ReceivedWebhook webhook)
    {
        using var client = app.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent(webhook.Body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, webhook.Signature);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
