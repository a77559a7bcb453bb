using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.Ordering.API.Domain;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Ordering.API.Apis;

/// <summary>Collects field errors (camelCase names, headers by their own name) so nothing is written unless all are valid.</summary>
public sealed class RequestValidation : FieldErrors
{
    private const int MaxText = 200;

    public string? IdempotencyKey(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required: send a new unique key (e.g. a UUID) per checkout, and the same key when retrying it.");
            return null;
        }

        if (value.Length > IdempotencyStore.MaxKeyLength)
        {
            Add(field, $"must be at most {IdempotencyStore.MaxKeyLength} characters.");
        }

        return value;
    }

    public int Range(string field, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            Add(field, $"must be between {min} and {max}.");
        }

        return value;
    }

    public ShippingAddress? Address(string field, ShippingAddressDto? value)
    {
        if (value is null)
        {
            Add(field, "is required.");
            return null;
        }

        var country = Text($"{field}.country", value.Country, required: true)?.ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            Add($"{field}.country", "must be a two-letter ISO 3166 country code.");
        }

        return new ShippingAddress
        {
            Name = Text($"{field}.name", value.Name, required: true) ?? "",
            Line1 = Text($"{field}.line1", value.Line1, required: true) ?? "",
            Line2 = Text($"{field}.line2", value.Line2, required: false),
            City = Text($"{field}.city", value.City, required: true) ?? "",
            PostalCode = Text($"{field}.postalCode", value.PostalCode, required: true) ?? "",
            Country = country ?? "",
        };
    }

    /// <summary>A provider token (<c>pm_…</c>) or a card number (spaces allowed), as the provider's test cards are.</summary>
    public string? PaymentMethod(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required.");
            return null;
        }

        var compact = value.Replace(" ", "", StringComparison.Ordinal);
        var isCard = compact.Length is >= 12 and <= 19 && compact.All(char.IsAsciiDigit);
        var isToken = compact.StartsWith("pm_", StringComparison.Ordinal) && compact.Length <= 64 && compact.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!isCard && !isToken)
        {
            Add(field, "must be a card number (12 to 19 digits) or a payment method token (pm_…).");
        }

        return compact;
    }

    private string? Text(string field, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "is required.");
            }

            return null;
        }

        if (value.Length > MaxText)
        {
            Add(field, $"must be at most {MaxText} characters.");
        }

        return value.Trim();
    }
}
