using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Inventory.API.Apis;

/// <summary>
/// Collects field errors (camelCase names) and returns cleaned values, so a handler validates everything first and
/// writes nothing unless all of it is valid.
/// </summary>
public sealed class RequestValidation : FieldErrors
{
    public const int MaxStock = 10_000_000;
    public const int MaxReasonLength = 200;
    public const int MaxIdempotencyKeyLength = 200;

    public Guid Id(string field, Guid? value)
    {
        if (value is not { } id || id == Guid.Empty)
        {
            Add(field, "is required.");
            return Guid.Empty;
        }

        return id;
    }

    public int Range(string field, int? value, int min, int max)
    {
        if (value is not { } number)
        {
            Add(field, "is required.");
            return 0;
        }

        if (number < min || number > max)
        {
            Add(field, $"must be between {min} and {max}.");
        }

        return number;
    }

    /// <summary>A TTL in whole seconds within the configured bounds, or the default when absent.</summary>
    public TimeSpan Ttl(string field, int? seconds, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        if (seconds is not { } value)
        {
            return fallback;
        }

        var ttl = TimeSpan.FromSeconds(value);
        if (ttl < min || ttl > max)
        {
            Add(field, $"must be between {(int)min.TotalSeconds} and {(int)max.TotalSeconds} seconds.");
        }

        return ttl;
    }

    public string? Text(string field, string? value, int maxLength)
    {
        var text = value?.Trim();
        if (text is { Length: > 0 } && text.Length > maxLength)
        {
            Add(field, $"must be at most {maxLength} characters.");
        }

        return text is { Length: > 0 } ? text : null;
    }
}
