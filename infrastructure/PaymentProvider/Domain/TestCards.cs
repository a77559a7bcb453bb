using AspireShop.Infrastructure.PaymentProvider.Apis;

namespace AspireShop.Infrastructure.PaymentProvider.Domain;

/// <summary>
/// What a charge does, decided by the payment method as with Stripe's test cards: one card (and <c>pm_card_visa</c>)
/// succeeds, the documented failure cards fail their way, and any other method is declined.
/// </summary>
public static class TestCards
{
    public const string Visa = "4242424242424242";
    public const string Declined = "4000000000000002";
    public const string InsufficientFunds = "4000000000009995";
    public const string ProcessingError = "4000000000000119";

    public static readonly PaymentError GenericDecline = new()
    {
        Type = ErrorTypes.Card,
        Code = "card_declined",
        DeclineCode = "generic_decline",
        Message = "Your card was declined.",
    };

    private static readonly PaymentError InsufficientFundsDecline = new()
    {
        Type = ErrorTypes.Card,
        Code = "card_declined",
        DeclineCode = "insufficient_funds",
        Message = "Your card has insufficient funds.",
    };

    private static readonly PaymentError ProcessingFailure = new()
    {
        Type = ErrorTypes.Card,
        Code = "processing_error",
        Message = "An error occurred while processing your card. Try again in a little bit.",
    };

    /// <summary>The payment method as stored: card numbers without their spaces.</summary>
    public static string Normalize(string paymentMethod) => paymentMethod.Replace(" ", "", StringComparison.Ordinal);

    /// <summary>Null when the charge succeeds; otherwise why it failed.</summary>
    public static PaymentError? Charge(string paymentMethod) => Normalize(paymentMethod) switch
    {
        Visa or "pm_card_visa" => null,
        InsufficientFunds or "pm_card_chargeDeclinedInsufficientFunds" => InsufficientFundsDecline,
        ProcessingError or "pm_card_chargeDeclinedProcessingError" => ProcessingFailure,
        _ => GenericDecline,
    };
}
