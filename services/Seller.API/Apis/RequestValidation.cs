using System.Globalization;
using System.Text.RegularExpressions;
using AspireShop.Seller.API.Domain;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Seller.API.Apis;

/// <summary>
/// Collects field errors (camelCase names of the request) and returns cleaned values, so a handler validates
/// everything first and writes nothing unless all of it is valid.
/// </summary>
public sealed partial class RequestValidation : FieldErrors
{
    public const int MaxBusinessNameLength = 200;
    public const int MaxEmailLength = 254;
    public const int MaxReasonLength = 500;
    public const int MaxPageSize = 100;

    public string BusinessName(string field, string? name) => Text(field, name, 2, MaxBusinessNameLength);

    public string Reason(string field, string? reason) => Text(field, reason, 1, MaxReasonLength);

    public string Email(string field, string? email)
    {
        var text = email?.Trim() ?? "";
        if (text.Length == 0)
        {
            Add(field, "is required.");
        }
        else if (text.Length > MaxEmailLength || !EmailPattern().IsMatch(text))
        {
            Add(field, "must be an email address such as name@example.com.");
        }

        return text;
    }

    /// <summary>The normalised IBAN; <paramref name="required"/> false lets an absent value through as null.</summary>
    public string? PayoutAccount(string field, string? account, bool required = true)
    {
        if (account is null && !required)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(account))
        {
            Add(field, "is required.");
            return null;
        }

        var iban = Domain.PayoutAccount.Normalize(account);
        if (iban is null)
        {
            Add(field, "must be a valid IBAN such as DE89 3704 0044 0532 0130 00.");
        }

        return iban;
    }

    public int CommissionBasisPoints(string field, int? basisPoints, bool required)
    {
        if (basisPoints is null)
        {
            if (required)
            {
                Add(field, "is required.");
            }

            return Commission.DefaultBasisPoints;
        }

        if (basisPoints is < 0 or > Commission.MaxBasisPoints)
        {
            Add(field, $"must be between 0 and {Commission.MaxBasisPoints} basis points (1000 = 10 %).");
        }

        return basisPoints.Value;
    }

    public string? Status(string field, string? status)
    {
        if (string.IsNullOrWhiteSpace(status))
        {
            return null;
        }

        var value = status.Trim().ToLowerInvariant();
        if (!ApplicationStatus.All.Contains(value))
        {
            Add(field, $"must be one of {string.Join(", ", ApplicationStatus.All)}.");
        }

        return value;
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

    /// <summary>
    /// A statement period, <c>from</c> inclusive and <c>to</c> exclusive, ISO 8601 with an offset or a date alone (midnight
    /// UTC); by default from the start of <paramref name="now"/>'s month to <paramref name="now"/>.
    /// </summary>
    public (DateTimeOffset From, DateTimeOffset To) Period(string? from, string? to, DateTimeOffset now)
    {
        var start = Instant("from", from) ?? new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var end = Instant("to", to) ?? now;
        if (IsValid && end <= start)
        {
            Add(to is null ? "from" : "to", "must make a period: 'to' after 'from'.");
        }

        return (start, end);
    }

    private DateTimeOffset? Instant(string field, string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            && text.Trim().Length >= 10)
        {
            return instant;
        }

        Add(field, "must be an ISO 8601 date or date and time, such as 2026-12-01 or 2026-12-01T00:00:00Z.");
        return null;
    }

    private string Text(string field, string? value, int minLength, int maxLength)
    {
        var text = value?.Trim() ?? "";
        if (text.Length == 0)
        {
            Add(field, "is required.");
        }
        else if (text.Length < minLength || text.Length > maxLength)
        {
            Add(field, $"must be between {minLength} and {maxLength} characters.");
        }

        return text;
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s.]+$")]
    private static partial Regex EmailPattern();
}
