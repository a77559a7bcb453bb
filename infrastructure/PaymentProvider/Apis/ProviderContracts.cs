using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireShop.Infrastructure.PaymentProvider.Apis;

/// <summary>The wire format: snake_case, as Stripe's API.</summary>
public static class ProviderJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };
}

public static class IntentStatus
{
    public const string Succeeded = "succeeded";
    public const string RequiresPaymentMethod = "requires_payment_method";
}

public sealed record PaymentIntentObject
{
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string ObjectType => "payment_intent";

    public required long Amount { get; init; }

    public required long AmountReceived { get; init; }

    public required long AmountRefunded { get; init; }

    public required string Currency { get; init; }

    public required string Status { get; init; }

    public required string PaymentMethod { get; init; }

    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public required PaymentError? LastPaymentError { get; init; }

    /// <summary>Unix seconds.</summary>
    public required long Created { get; init; }
}

/// <summary>Why a charge failed (<c>last_payment_error</c>).</summary>
public sealed record PaymentError
{
    public required string Type { get; init; }

    public required string Code { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeclineCode { get; init; }

    public required string Message { get; init; }
}

public sealed record RefundObject
{
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string ObjectType => "refund";

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public required string PaymentIntent { get; init; }

    public required string Status { get; init; }

    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public required long Created { get; init; }
}

public sealed record ListObject<T>(IReadOnlyList<T> Data, bool HasMore)
{
    [JsonPropertyName("object")]
    public string ObjectType => "list";
}

/// <summary>A webhook event; <see cref="EventData.Subject"/> is the intent, or the refund for <c>charge.refunded</c>.</summary>
public sealed record EventObject
{
    public const string PaymentIntentSucceeded = "payment_intent.succeeded";
    public const string PaymentIntentFailed = "payment_intent.payment_failed";
    public const string ChargeRefunded = "charge.refunded";

    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string ObjectType => "event";

    public required string Type { get; init; }

    public required long Created { get; init; }

    public required EventData Data { get; init; }
}

public sealed record EventData([property: JsonPropertyName("object")] object Subject);

/// <summary>Every error answer: <c>{"error":{…}}</c>.</summary>
public sealed record ErrorEnvelope(ApiError Error);

public sealed record ApiError
{
    public required string Type { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Code { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeclineCode { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Param { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PaymentIntentObject? PaymentIntent { get; init; }
}

public sealed record LedgerObject(IReadOnlyList<LedgerCharge> Charges, IReadOnlyList<LedgerRefund> Refunds);

public sealed record LedgerCharge(string PaymentIntent, string? OrderReference, long Amount, string Currency, long Created);

public sealed record LedgerRefund(string Id, string PaymentIntent, string? OrderReference, long Amount, long Created);

public enum FaultMode
{
    None,
    DeclineAll,
    ErrorBeforeCommit,
    ErrorAfterCommit,
    ResetAfterCommit,
    RateLimit,
}

public enum WebhookMode
{
    Normal,
    Duplicate,
    Late,
    Off,
}

/// <summary>The fault switches, as set with PUT and shown with GET (<c>count</c>: what remains).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FaultSettings
{
    public static readonly FaultSettings None = new();

    public FaultMode Mode { get; init; } = FaultMode.None;

    public int LatencyMs { get; init; }

    public int? Count { get; init; }

    public int RetryAfterS { get; init; } = 1;

    public WebhookMode Webhooks { get; init; } = WebhookMode.Normal;
}

public sealed record StatsObject(long Requests, int InFlight, int MaxInFlight);
