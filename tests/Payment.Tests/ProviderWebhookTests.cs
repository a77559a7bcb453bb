using System.Net;
using System.Text.RegularExpressions;
using AspireShop.TestKit;

namespace AspireShop.Payment.Tests;

/// <summary>Webhooks to a real HTTP receiver: signed, at least once, retried, and the duplicate/late/off switches.</summary>
public sealed partial class ProviderWebhookTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EveryChangeIsPostedSignedWithTheWebhookSecret()
    {
        await using var receiver = await ProviderWebhookReceiver.StartAsync();
        await using var provider = await ProviderHost.StartAsync(infrastructure, webhookUrl: receiver.Url);
        using var client = provider.Api();
        var paid = await client.ChargeAsync(ProviderCalls.NewOrderReference());
        var declined = await client.ChargeAsync(ProviderCalls.NewOrderReference(), card: "4000000000000002");
        var refund = await client.RefundAsync(paid.Id, amount: 100);
        var declinedId = declined.Error.GetProperty("payment_intent").GetProperty("id").GetString();

        await Poll.UntilAsync(() => Task.FromResult(receiver.Received.Count), n => n >= 3, Deadline, n => $"{n} of 3 webhooks arrived");

        var received = receiver.Received.ToList();
        Assert.Equal(
            new[] { ("charge.refunded", refund.Id), ("payment_intent.payment_failed", declinedId), ("payment_intent.succeeded", paid.Id) }.Order(),
            received.Select(w => (w.Type, (string?)w.ObjectId)).Order());
        Assert.All(received, webhook =>
        {
            Assert.True(ProviderWebhookReceiver.IsSignedWith(webhook, ProviderHost.WebhookSecret, out var timestamp), $"bad signature: {webhook.Signature}");
            Assert.InRange(timestamp, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
            Assert.False(ProviderWebhookReceiver.IsSignedWith(webhook, "whsec_someone_else", out _));
            Assert.Matches(EventId(), webhook.EventId);
            Assert.Equal("event", webhook.Json.GetProperty("object").GetString());
        });
        var succeeded = received.Single(w => w.Type == "payment_intent.succeeded").Json.GetProperty("data").GetProperty("object");
        Assert.Equal(("payment_intent", "succeeded", 1999L), (succeeded.GetProperty("object").GetString(), succeeded.GetProperty("status").GetString(), succeeded.GetProperty("amount_received").GetInt64()));
        Assert.Equal("refund", received.Single(w => w.Type == "charge.refunded").Json.GetProperty("data").GetProperty("object").GetProperty("object").GetString());
        await Poll.UntilAsync(
            () => provider.QueryScalarAsync<long>("SELECT count(*) FROM webhook_events WHERE delivered_at IS NULL"), n => n == 0, Deadline, n => $"{n} events not marked delivered");
    }

    [Fact]
    public async Task AnEventTheReceiverRefusesIsRetriedUntilAccepted()
    {
        await using var receiver = await ProviderWebhookReceiver.StartAsync(failFirst: 2);
        await using var provider = await ProviderHost.StartAsync(infrastructure, webhookUrl: receiver.Url);
        using var client = provider.Api();

        var paid = await client.ChargeAsync(ProviderCalls.NewOrderReference());

        await Poll.UntilAsync(() => Task.FromResult(receiver.Received.Count), n => n >= 1, Deadline, _ => $"{receiver.Refused.Count} refused, none accepted");
        Assert.Equal(2, receiver.Refused.Count);
        Assert.All(receiver.Refused, w => Assert.Equal(paid.Id, w.ObjectId));
        var accepted = Assert.Single(receiver.Received);
        Assert.Equal(receiver.Refused.First().EventId, accepted.EventId);
        Assert.True(ProviderWebhookReceiver.IsSignedWith(accepted, ProviderHost.WebhookSecret, out _));
        await Poll.UntilAsync(
            () => provider.QueryScalarAsync<int>("SELECT attempts FROM webhook_events WHERE delivered_at IS NOT NULL"), n => n == 3, Deadline, n => $"attempts {n}");
    }

    [Fact]
    public async Task DuplicateModeSendsEachEventTwice()
    {
        await using var receiver = await ProviderWebhookReceiver.StartAsync();
        await using var provider = await ProviderHost.StartAsync(infrastructure, webhookUrl: receiver.Url);
        using var client = provider.Api();
        await client.SetFaultsAsync(new { webhooks = "duplicate" });

        var paid = await client.ChargeAsync(ProviderCalls.NewOrderReference());
        var refund = await client.RefundAsync(paid.Id);

        await Poll.UntilAsync(() => Task.FromResult(receiver.Received.Count), n => n >= 4, Deadline, n => $"{n} of 4 deliveries");
        var byEvent = receiver.Received.GroupBy(w => w.EventId).ToList();
        Assert.Equal(2, byEvent.Count);
        Assert.All(byEvent, deliveries => Assert.Equal(2, deliveries.Count()));
        Assert.Equal(new[] { paid.Id, refund.Id }.Order(), byEvent.Select(g => g.First().ObjectId).Order());
        Assert.All(receiver.Received, w => Assert.True(ProviderWebhookReceiver.IsSignedWith(w, ProviderHost.WebhookSecret, out _)));
    }

    [Fact]
    public async Task LateModeDelaysAndOffModeHoldsEventsUntilSwitchedBack()
    {
        await using var receiver = await ProviderWebhookReceiver.StartAsync();
        await using var provider = await ProviderHost.StartAsync(infrastructure, webhookUrl: receiver.Url);
        using var client = provider.Api();

        await client.SetFaultsAsync(new { webhooks = "late" });
        var lateCharge = await client.ChargeAsync(ProviderCalls.NewOrderReference());
        var committedAt = DateTimeOffset.UtcNow;
        var late = await Poll.UntilAsync(() => Task.FromResult(receiver.Received.ToList()), r => r.Count >= 1, Deadline, _ => "the late event never arrived");
        Assert.Equal(lateCharge.Id, Assert.Single(late).ObjectId);
        Assert.True(late[0].ReceivedAt - committedAt >= TimeSpan.FromSeconds(2.5), $"arrived after {late[0].ReceivedAt - committedAt}");

        await Poll.UntilAsync(
            () => provider.QueryScalarAsync<long>("SELECT count(*) FROM webhook_events WHERE delivered_at IS NULL"), n => n == 0, Deadline, n => $"{n} events not marked delivered");
        await client.SetFaultsAsync(new { webhooks = "off" });
        var heldCharge = await client.ChargeAsync(ProviderCalls.NewOrderReference());
        Assert.Equal(1L, await provider.QueryScalarAsync<long>("SELECT count(*) FROM webhook_events WHERE delivered_at IS NULL"));
        await client.SetFaultsAsync(new { webhooks = "normal" });

        await Poll.UntilAsync(() => Task.FromResult(receiver.Received.Count), n => n >= 2, Deadline, _ => "the held event was not sent after switching back");
        Assert.Equal(heldCharge.Id, receiver.Received.Last().ObjectId);
    }

    [Fact]
    public async Task WithoutAWebhookUrlEventsAreOnlyStored()
    {
        await using var provider = await ProviderHost.StartAsync(infrastructure);
        using var client = provider.Api();

        var paid = await client.ChargeAsync(ProviderCalls.NewOrderReference());

        Assert.Equal(HttpStatusCode.OK, paid.Status);
        Assert.Equal(1L, await provider.QueryScalarAsync<long>("SELECT count(*) FROM webhook_events WHERE type = 'payment_intent.succeeded' AND delivered_at IS NULL"));
    }

    [GeneratedRegex("^evt_[0-9a-f]{24}$")]
    private static partial Regex EventId();
}
