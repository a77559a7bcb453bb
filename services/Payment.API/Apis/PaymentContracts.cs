using AspireShop.Payment.API.Domain;

namespace AspireShop.Payment.API.Apis;

/// <summary>An order's payment as admins and services see it; the payment method is never shown.</summary>
public sealed record PaymentResponse(
    Guid Id,
    Guid OrderId,
    Guid? BuyerId,
    decimal? Amount,
    string? Currency,
    string Status,
    string? FailureReason,
    string? ProviderIntentId,
    decimal CapturedAmount,
    decimal RefundedAmount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<RefundResponse> Refunds)
{
    public static PaymentResponse From(OrderPayment p) => new(
        p.Id, p.OrderId, p.BuyerId, p.Amount, p.Currency, p.Status, p.FailureReason, p.ProviderIntentId, p.CapturedAmount, p.RefundedAmount,
        p.CreatedAt, p.UpdatedAt, [.. p.Refunds.Select(RefundResponse.From)]);
}

public sealed record RefundResponse(Guid Id, string Reason, decimal Amount, string Status, string? ProviderRefundId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static RefundResponse From(Refund r) => new(r.Id, r.Reason, r.Amount, r.Status, r.ProviderRefundId, r.CreatedAt, r.UpdatedAt);
}
