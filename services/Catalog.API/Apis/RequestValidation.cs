using System.Text.RegularExpressions;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Catalog.API.Apis;

/// <summary>
/// Collects field errors (camelCase paths such as <c>variants[1].code</c>) and returns cleaned values, so a handler
/// validates everything first and writes nothing unless all of it is valid.
/// </summary>
public sealed partial class RequestValidation : FieldErrors
{
    public const int MaxTitleLength = 200;
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 20_000;
    public const int MaxImages = 20;
    public const int MaxImageUrlLength = 2_048;
    public const int MaxAttributes = 50;
    public const int MaxAttributeValueLength = 500;
    public const int MaxVariants = 100;
    public const int MaxCodeLength = 64;
    public const int MaxPageSize = 100;

    // numeric(12,2)
    public const decimal MaxPrice = 9_999_999_999.99m;

    public string Text(string field, string? value, int maxLength, bool required = true)
    {
        var text = value?.Trim() ?? "";
        if (value is null && required)
        {
            Add(field, "is required.");
        }
        else if (required && text.Length == 0)
        {
            Add(field, "must not be empty.");
        }
        else if (text.Length > maxLength)
        {
            Add(field, $"must be at most {maxLength} characters.");
        }

        return text;
    }

    public List<string> Images(string field, List<string>? images)
    {
        images ??= [];
        if (images.Count > MaxImages)
        {
            Add(field, $"must have at most {MaxImages} entries.");
        }

        for (var i = 0; i < images.Count; i++)
        {
            var url = images[i];
            if (url is null || url.Length > MaxImageUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                Add($"{field}[{i}]", "must be an absolute http(s) URL.");
            }
        }

        return images;
    }

    public Dictionary<string, string> Attributes(string field, Dictionary<string, string>? attributes)
    {
        attributes ??= [];
        if (attributes.Count > MaxAttributes)
        {
            Add(field, $"must have at most {MaxAttributes} entries.");
        }

        foreach (var (key, value) in attributes)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > MaxNameLength)
            {
                Add(field, $"keys must be 1 to {MaxNameLength} characters.");
            }
            else if (value is null)
            {
                Add($"{field}.{key}", "must be a string.");
            }
            else if (value.Length > MaxAttributeValueLength)
            {
                Add($"{field}.{key}", $"must be at most {MaxAttributeValueLength} characters.");
            }
        }

        return attributes;
    }

    public string Code(string field, string? code)
    {
        var text = Text(field, code, MaxCodeLength);
        if (text.Length > 0 && !CodePattern().IsMatch(text))
        {
            Add(field, "may contain only letters, digits, '-', '_' and '.'.");
        }

        return text;
    }

    public decimal Price(string field, decimal? price)
    {
        if (price is not { } value)
        {
            Add(field, "is required.");
            return 0;
        }

        if (value <= 0)
        {
            Add(field, "must be greater than 0.");
        }
        else if (value > MaxPrice)
        {
            Add(field, $"must be at most {MaxPrice}.");
        }
        else if (decimal.Round(value, 2) != value)
        {
            Add(field, "must have at most 2 decimal places.");
        }

        return value;
    }

    public string Currency(string field, string? currency)
    {
        if (currency is null)
        {
            return Domain.Offer.DefaultCurrency;
        }

        if (!CurrencyPattern().IsMatch(currency))
        {
            Add(field, "must be a 3-letter ISO 4217 code.");
        }

        return currency.ToUpperInvariant();
    }

    public (int Page, int PageSize) Paging(int? page, int? pageSize)
    {
        var p = page ?? 1;
        var size = pageSize ?? 20;
        if (p < 1 || p > 10_000)
        {
            Add("page", "must be between 1 and 10000.");
        }

        if (size < 1 || size > MaxPageSize)
        {
            Add("pageSize", $"must be between 1 and {MaxPageSize}.");
        }

        return (p, size);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[A-Za-z]{3}$")]
    private static partial Regex CurrencyPattern();
}
