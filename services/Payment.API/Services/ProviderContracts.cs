using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireShop.Payment.API.Services;

/// <summary>The provider's wire format: snake_case JSON, amounts in integer minor units, currencies lower case.</summary>
public static class ProviderJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

public sealed record CreatePaymentIntentRequest(
    long Amount, string Currency, string PaymentMethod, bool Confirm, IReadOnlyDictionary<string, string> Metadata);

public sealed record CreateRefundRequest(string PaymentIntent, long? Amount, IReadOnlyDictionary<string, string> Metadata);

public sealed record PaymentIntent(
    string Id,
    long Amount,
    long AmountReceived,
    long AmountRefunded,
    string Currency,
    string Status,
    Dictionary<string, string>? Metadata,
    ProviderError? LastPaymentError)
{
    public const string Succeeded = "succeeded";
    public const string RequiresPaymentMethod = "requires_payment_method";
    public const string OrderReferenceKey = "order_reference";

    public Guid? OrderReference =>
        Metadata?.GetValueOrDefault(OrderReferenceKey) is { } reference && Guid.TryParse(reference, out var orderId) ? orderId : null;
}

public sealed record ProviderRefund(string Id, long Amount, string Currency, string PaymentIntent, string Status);

public sealed record ProviderError(string? Type, string? Code, string? DeclineCode, string? Message, PaymentIntent? PaymentIntent);

public sealed record ProviderErrorEnvelope(ProviderError? Error);

public sealed record ProviderList<T>(List<T> Data);

/// <summary>A webhook as the provider posts it; <c>data.object</c> is an intent or a refund, only a prompt to ask again.</summary>
public sealed record ProviderEvent(string Id, string Type, ProviderEventData Data);

public sealed record ProviderEventData([property: JsonPropertyName("object")] JsonElement Target);
