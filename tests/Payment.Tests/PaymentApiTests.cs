using System.Net;
using System.Net.Http.Json;
using AspireShop.Payment.API.Apis;
using AspireShop.Payment.API.Domain;
using AspireShop.Payment.Contracts;
using AspireShop.TestKit;

namespace AspireShop.Payment.Tests;

/// <summary>The read API (admins and services only) and the OpenAPI document that must list every route.</summary>
public sealed class PaymentApiTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private PaymentApp App => fixture.App;

    [Fact]
    public async Task AdminsAndServicesSeeAPaymentWithItsRefundsOthersDoNot()
    {
        var charge = Orders.Charge(amount: 12.34m);
        await App.HandleAsync(charge);
        await App.HandleAsync(new RefundPayment(charge.OrderId, "order_cancelled"));
        var path = $"/api/payments/orders/{charge.OrderId}";

        foreach (var reader in new[] { TestUser.NewAdmin(), TestUser.NewService() })
        {
            using var client = App.As(reader);
            var payment = await client.GetFromJsonAsync<PaymentResponse>(path);
            Assert.Equal((charge.OrderId, PaymentStatus.Succeeded, 12.34m, 12.34m, 12.34m), (payment!.OrderId, payment.Status, payment.Amount, payment.CapturedAmount, payment.RefundedAmount));
            var refund = Assert.Single(payment.Refunds);
            Assert.Equal(("order_cancelled", 12.34m, RefundStatus.Succeeded), (refund.Reason, refund.Amount, refund.Status));
        }

        using (var admin = App.As(TestUser.NewAdmin()))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/payments/orders/{Guid.NewGuid()}")).StatusCode);
            Assert.DoesNotContain(Orders.Visa, await admin.GetStringAsync(path), StringComparison.Ordinal);
        }

        using (var buyer = App.As(new TestUser(charge.BuyerId, null, "buyer")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await buyer.GetAsync(path)).StatusCode);
        }

        using var anonymous = App.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryRoute()
    {
        using var client = App.Anonymous();

        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(App.Services, client));
        var documented = await OpenApiCoverage.DocumentedAsync(client);
        Assert.Contains("GET /api/payments/orders/{orderId}", documented);
        Assert.Contains("POST /api/payments/webhooks", documented);
    }
}
