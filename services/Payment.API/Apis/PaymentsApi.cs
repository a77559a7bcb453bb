using AspireShop.Payment.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.Payment.API.Apis;

/// <summary>An order's payment and refunds, for admins and AspireShop's services (support, the saga's diagnostics).</summary>
public static class PaymentsApi
{
    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/payments").WithTags("Payment");
        api.MapGet("/orders/{orderId:guid}", GetByOrderAsync).WithName("GetOrderPayment").RequireAuthorization(AspireShopPolicies.AdminOrService);
        return app;
    }

    public static async Task<Results<Ok<PaymentResponse>, NotFound>> GetByOrderAsync(Guid orderId, PaymentStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(orderId, cancellationToken) is { } payment ? TypedResults.Ok(PaymentResponse.From(payment)) : TypedResults.NotFound();
}
