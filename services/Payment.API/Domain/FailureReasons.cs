using AspireShop.Payment.Contracts;

namespace AspireShop.Payment.API.Domain;

/// <summary>How the provider's card errors map onto the reasons the saga understands.</summary>
public static class FailureReasons
{
    /// <summary>The decline code wins over the error code (insufficient funds is a <c>card_declined</c> too).</summary>
    public static string FromCardError(string? code, string? declineCode) => (declineCode, code) switch
    {
        ("insufficient_funds", _) => PaymentFailureReasons.InsufficientFunds,
        (_, "processing_error") => PaymentFailureReasons.ProcessingError,
        _ => PaymentFailureReasons.Declined,
    };
}
