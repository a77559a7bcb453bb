using System.Globalization;
using Microsoft.AspNetCore.Components.Forms;

namespace AspireShop.WebApp.Services;

/// <summary>Helpers the seller and admin forms share: API field errors next to form fields, and lenient number parsing.</summary>
public static class SellerAdminForms
{
    /// <summary>
    /// Puts the problem's field errors on the form's fields (<paramref name="fields"/>: API field name → model property)
    /// so each <c>ValidationMessage</c> shows its own; returns the API field names it placed.
    /// </summary>
    public static IReadOnlyCollection<string> ShowOn(
        this PortalProblem problem, EditContext context, ValidationMessageStore messages, IReadOnlyDictionary<string, string> fields)
    {
        messages.Clear();
        var placed = new List<string>();
        foreach (var (apiField, errors) in problem.Errors)
        {
            var property = fields.FirstOrDefault(f => string.Equals(f.Key, apiField, StringComparison.OrdinalIgnoreCase)).Value;
            if (property is not null)
            {
                messages.Add(context.Field(property), errors);
                placed.Add(apiField);
            }
        }

        context.NotifyValidationStateChanged();
        return placed;
    }

    /// <summary>A price or amount as typed: a dot or a comma as the decimal separator.</summary>
    public static decimal? ParseDecimal(string? text) =>
        decimal.TryParse(text?.Trim().Replace(',', '.'), NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static int? ParseInt(string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static string Money(decimal amount, string currency) => Components.Money.Format(amount, currency);

    public static string Instant(DateTimeOffset? at) => at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    /// <summary>Basis points as a percentage: 1250 → "12.5 %".</summary>
    public static string Percent(int basisPoints) => string.Create(CultureInfo.InvariantCulture, $"{basisPoints / 100m:0.##} %");
}
