using System.Text.Json.Serialization;

namespace AspireShop.Payment.Contracts;

/// <summary>
/// Commands Payment accepts (the OrderSaga sends them through its outbox), idempotent by <see cref="OrderId"/>: one
/// payment per order, one refund per (payment, reason). Aggregate id = order id. Always written as the base type, so
/// the <c>command</c> discriminator is in the JSON.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "command")]
[JsonDerivedType(typeof(ChargePayment), "charge")]
[JsonDerivedType(typeof(RefundPayment), "refund")]
public abstract record PaymentCommand(Guid OrderId)
{
    public const string AggregateType = "payment-command";
    public const string Topic = "outbox.event." + AggregateType;
}

/// <summary>
/// The saga's pivot: authorise and capture <see cref="Amount"/> (in <see cref="Currency"/>, major units) with the
/// buyer's <see cref="PaymentMethod"/> (a provider token or test card number).
/// </summary>
public sealed record ChargePayment(Guid OrderId, Guid BuyerId, decimal Amount, string Currency, string PaymentMethod) : PaymentCommand(OrderId);

/// <summary>
/// Compensation: refund whatever the order's payment captured (once per <see cref="Reason"/>), or, if nothing was
/// captured yet, make sure a charge arriving later captures nothing.
/// </summary>
public sealed record RefundPayment(Guid OrderId, string Reason) : PaymentCommand(OrderId);

/// <summary>Payment's outcomes, keyed by order id. Written as the base type (<c>outcome</c> discriminator).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "outcome")]
[JsonDerivedType(typeof(PaymentSucceeded), "succeeded")]
[JsonDerivedType(typeof(PaymentFailed), "failed")]
[JsonDerivedType(typeof(PaymentRefunded), "refunded")]
public abstract record PaymentEvent(Guid OrderId, Guid PaymentId)
{
    public const string AggregateType = "payment";
    public const string Topic = "outbox.event." + AggregateType;
}

/// <summary>Captured <see cref="Amount"/> at the provider.</summary>
public sealed record PaymentSucceeded(Guid OrderId, Guid PaymentId, decimal Amount, string Currency) : PaymentEvent(OrderId, PaymentId);

/// <summary>Nothing captured; <see cref="Reason"/> is one of <see cref="PaymentFailureReasons"/>.</summary>
public sealed record PaymentFailed(Guid OrderId, Guid PaymentId, string Reason) : PaymentEvent(OrderId, PaymentId);

/// <summary>
/// The refund for <see cref="Reason"/> is done: <see cref="Amount"/> refunded (0 when nothing had been captured, or
/// nothing was left). A reason starting with <see cref="SellerReasonPrefix"/> is a seller's cancelled part, refunded on
/// Fulfillment's <c>ShipmentCancelled</c> rather than on a saga command, and published once per part.
/// </summary>
public sealed record PaymentRefunded(Guid OrderId, Guid PaymentId, decimal Amount, string Currency, string Reason) : PaymentEvent(OrderId, PaymentId)
{
    public const string SellerReasonPrefix = "seller:";
}

public static class PaymentFailureReasons
{
    public const string Declined = "payment_declined";
    public const string InsufficientFunds = "insufficient_funds";
    public const string ProcessingError = "processing_error";

    /// <summary>A refund (compensation) arrived before any charge: the payment is fenced and will capture nothing.</summary>
    public const string Cancelled = "cancelled";
}
