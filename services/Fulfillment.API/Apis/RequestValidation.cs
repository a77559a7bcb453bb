using AspireShop.Fulfillment.API.Domain;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Fulfillment.API.Apis;

/// <summary>Collects field errors (camelCase names) so nothing is written unless all are valid.</summary>
public sealed class RequestValidation : FieldErrors
{
    public const int MaxCarrierLength = 64;
    public const int MinTrackingLength = 4;
    public const int MaxTrackingLength = 40;
    public const int MaxReasonLength = 200;
    public const string DefaultCancelReason = "cancelled_by_seller";

    public int Range(string field, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            Add(field, $"must be between {min} and {max}.");
        }

        return value;
    }

    /// <summary>One of the shipment statuses, in any case; null when not given.</summary>
    public string? Status(string field, string? value)
    {
        if (value is null)
        {
            return null;
        }

        var status = value.Trim().ToUpperInvariant();
        if (!ShipmentStatus.All.Contains(status))
        {
            Add(field, $"must be one of {string.Join(", ", ShipmentStatus.All)}.");
        }

        return status;
    }

    public string? Carrier(string field, string? value)
    {
        var carrier = value?.Trim();
        if (string.IsNullOrEmpty(carrier))
        {
            Add(field, "is required.");
            return null;
        }

        if (carrier.Length > MaxCarrierLength)
        {
            Add(field, $"must be at most {MaxCarrierLength} characters.");
        }
        else if (carrier.Any(char.IsControl))
        {
            Add(field, "must not contain control characters.");
        }

        return carrier;
    }

    /// <summary>Letters, digits and dashes (spaces, as printed on labels, are dropped), upper-cased so a repeat matches.</summary>
    public string? TrackingNumber(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required.");
            return null;
        }

        var tracking = value.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        if (tracking.Length is < MinTrackingLength or > MaxTrackingLength || !tracking.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            Add(field, $"must be {MinTrackingLength} to {MaxTrackingLength} letters, digits or dashes.");
        }

        return tracking;
    }

    public string CancelReason(string field, string? value)
    {
        var reason = value?.Trim();
        if (string.IsNullOrEmpty(reason))
        {
            return DefaultCancelReason;
        }

        if (reason.Length > MaxReasonLength)
        {
            Add(field, $"must be at most {MaxReasonLength} characters.");
        }
        else if (reason.Any(char.IsControl))
        {
            Add(field, "must not contain control characters.");
        }

        return reason;
    }
}
