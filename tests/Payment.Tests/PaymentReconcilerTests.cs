using System.Net;
using System.Net.Http.Json;
using AspireShop.Payment.API.Apis;
using AspireShop.Payment.API.Domain;
using AspireShop.Payment.API.Services;
using AspireShop.Payment.Contracts;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.Payment.Tests;

/// <summary>
/// The PaymentReconciler as a good citizen: items are leased so two rounds never ask about the same one, and what never
/// gets an answer is parked as needs-attention (never dropped) until an admin retries it. Each test has its own provider.
/// </summary>
public sealed class PaymentReconcilerTests : IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure = new();

    public Task InitializeAsync() => _infrastructure.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AChargeTheProviderNeverAnswersIsParkedNotDroppedAndAnAdminsRetrySettlesItOnce()
    {
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(
            _infrastructure, provider, new Dictionary<string, string?> { ["Payment:ReconcileMaxAttempts"] = "2" });
        using var api = provider.Api();
        await api.SetFaultsAsync(new { mode = "error_before_commit", count = 1000 });
        var charge = Orders.Charge();

        await app.HandleAsync(charge);
        Assert.Equal(1, await app.ReconcileAsync());
        Assert.Equal(1, await app.ReconcileAsync());

        var parked = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Unknown, 2), (parked.Status, parked.ReconcileAttempts));
        Assert.NotNull(parked.NeedsAttentionAt);
        Assert.Equal(0, await app.ReconcileAsync());
        Assert.Empty(await app.RepliesAsync(charge.OrderId));
        Assert.Equal(3, app.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)).Count);

        using var admin = app.As(TestUser.NewAdmin());
        var work = await admin.GetFromJsonAsync<ParkedWork>("/api/payments/needs-attention");
        var item = Assert.Single(work!.Payments);
        Assert.Equal((parked.Id, charge.OrderId, 2), (item.Id, item.OrderId, item.Attempts));
        using (var buyer = app.As(new TestUser(charge.BuyerId, null, "buyer")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await buyer.PostAsync(PaymentsApi.RetryParkedPath, null)).StatusCode);
        }

        await api.SetFaultsAsync(new { mode = "none" });
        var retried = await (await admin.PostAsync(PaymentsApi.RetryParkedPath, null)).Content.ReadFromJsonAsync<RetriedParked>();
        Assert.Equal(1, retried!.Retried);
        Assert.Equal(1, await app.ReconcileAsync());

        var payment = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Succeeded, charge.Amount, null), (payment.Status, payment.CapturedAmount, payment.NeedsAttentionAt));
        Assert.Equal(new PaymentSucceeded(charge.OrderId, payment.Id, charge.Amount, "USD"), Assert.Single(await app.RepliesAsync(charge.OrderId)));
        Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Charges);
    }

    [Fact]
    public async Task AWorkerThatDiedAfterTheProviderChargedButBeforeItRecordedIsTakenOverAfterItsLeaseWithOneCapture()
    {
        var clock = new ShiftedClock();
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(_infrastructure, provider, clock: clock);
        using var api = provider.Api();
        var charge = Orders.Charge(amount: 31.40m);

        // The dead worker's steps, up to the crash: its claim committed, then the provider charged; nothing recorded after.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var (payment, claimed) = await scope.ServiceProvider.GetRequiredService<PaymentStore>().ClaimChargeAsync(charge, CancellationToken.None);
            Assert.True(claimed);
            var answer = await scope.ServiceProvider.GetRequiredService<ProviderClient>().CreatePaymentIntentAsync(
                new CreatePaymentIntentRequest(3140, "usd", charge.PaymentMethod, Confirm: true,
                    new Dictionary<string, string> { [PaymentIntent.OrderReferenceKey] = charge.OrderId.ToString() }),
                OrderPayment.ChargeKey(payment.OrderId),
                CancellationToken.None);
            Assert.Equal(ProviderOutcome.Ok, answer.Outcome);
        }

        // Within the lease the claim is the dead worker's: nobody asks.
        Assert.Equal(0, await app.ReconcileAsync());
        Assert.Equal(PaymentStatus.Processing, (await app.PaymentAsync(charge.OrderId))!.Status);

        clock.Offset = TimeSpan.FromMinutes(2);
        Assert.Equal(1, await app.ReconcileAsync());

        var settled = (await app.PaymentAsync(charge.OrderId))!;
        Assert.Equal((PaymentStatus.Succeeded, 31.40m), (settled.Status, settled.CapturedAmount));
        Assert.Equal(new PaymentSucceeded(charge.OrderId, settled.Id, 31.40m, "USD"), Assert.Single(await app.RepliesAsync(charge.OrderId)));
        Assert.Equal([false, true], app.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)).Select(c => c.Replayed));
        Assert.Equal(settled.ProviderIntentId, Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Charges).GetProperty("payment_intent").GetString());
    }

    [Fact]
    public async Task ConcurrentRoundsLeaseEachUnknownChargeToOneOfThemAndCaptureEachOnce()
    {
        await using var provider = await ProviderHost.StartAsync(_infrastructure);
        await using var app = await PaymentApp.StartAsync(_infrastructure, provider);
        using var api = provider.Api();
        // Fewer failures than the breaker's minimum throughput (10), so every ask reaches the provider.
        var charges = Enumerable.Range(0, 8).Select(_ => Orders.Charge()).ToList();
        await api.SetFaultsAsync(new { mode = "error_after_commit", count = charges.Count });
        foreach (var charge in charges)
        {
            await app.HandleAsync(charge);
        }

        Assert.All(charges, c => Assert.Single(app.PostsWithKey(OrderPayment.ChargeKey(c.OrderId))));
        await api.SetFaultsAsync(new { mode = "none", latency_ms = 200 });

        // Four instances' rounds at once: the lease hands every due charge to exactly one of them.
        var leased = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(app.ReconcileAsync)));

        Assert.Equal(charges.Count, leased.Sum());
        foreach (var charge in charges)
        {
            var payment = (await app.PaymentAsync(charge.OrderId))!;
            Assert.Equal((PaymentStatus.Succeeded, 1), (payment.Status, payment.ReconcileAttempts));
            Assert.Equal(2, app.PostsWithKey(OrderPayment.ChargeKey(charge.OrderId)).Count);
            Assert.Single(await app.RepliesAsync(charge.OrderId));
            Assert.Single((await api.LedgerAsync(charge.OrderId.ToString())).Charges);
        }
    }
}
