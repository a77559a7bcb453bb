using AspireShop.Payment.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.Payment.API.Apis;

/// <summary>
/// An order's payment and refunds, for admins and AspireShop's services (support, the saga's diagnostics); and the work
/// the PaymentReconciler parked, for admins to look at and retry.
/// </summary>
public static class PaymentsApi
{
    public const string RetryParkedPath = "/api/payments/needs-attention/retry";

    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/payments").WithTags("Payment");
        api.MapGet("/orders/{orderId:guid}", GetByOrderAsync).WithName("GetOrderPayment").RequireAuthorization(AspireShopPolicies.AdminOrService);
        api.MapGet("/needs-attention", GetParkedAsync).WithName("GetParkedPayments").RequireAuthorization(AspireShopPolicies.Admin);
        app.MapPost(RetryParkedPath, RetryParkedAsync).WithTags("Payment").WithName("RetryParkedPayments").RequireAuthorization(AspireShopPolicies.Admin);
        return app;
    }

    public static async Task<Ok<ParkedWork>> GetParkedAsync(PaymentStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ParkedAsync(cancellationToken));

    /// <summary>Every parked charge and refund falls due now with a fresh count of attempts; the reconciler takes them.</summary>
    public static async Task<Ok<RetriedParked>> RetryParkedAsync(PaymentStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new RetriedParked(await store.RetryParkedAsync(cancellationToken)));

    public static async Task<Results<Ok<PaymentResponse>, NotFound>> GetByOrderAsync(Guid orderId, PaymentStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(orderId, cancellationToken) is { } payment ? TypedResults.Ok(PaymentResponse.From(payment)) : TypedResults.NotFound();
}

public sealed record RetriedParked(int Retried);
