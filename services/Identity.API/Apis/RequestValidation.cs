using System.Text.RegularExpressions;
using AspireShop.Identity.API.Domain;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Identity.API.Apis;

/// <summary>
/// Collects field errors (camelCase names of the request body) and returns cleaned values, so a handler validates
/// everything first and writes nothing unless all of it is valid.
/// </summary>
public sealed partial class RequestValidation : FieldErrors
{
    public const int MaxEmailLength = 254;
    public const int MinPasswordLength = 8;

    // PBKDF2 hashes any length, but a megabyte password per request is a cheap way to burn CPU.
    public const int MaxPasswordLength = 128;
    public const int MaxNameLength = 100;

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

    public string Password(string field, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            Add(field, "is required.");
        }
        else if (password.Length < MinPasswordLength)
        {
            Add(field, $"must be at least {MinPasswordLength} characters.");
        }
        else if (password.Length > MaxPasswordLength)
        {
            Add(field, $"must be at most {MaxPasswordLength} characters.");
        }

        return password ?? "";
    }

    public string Name(string field, string? name)
    {
        var text = name?.Trim() ?? "";
        if (text.Length == 0)
        {
            Add(field, "is required.");
        }
        else if (text.Length > MaxNameLength)
        {
            Add(field, $"must be at most {MaxNameLength} characters.");
        }

        return text;
    }

    public string Role(string field, string? role)
    {
        var text = role?.Trim().ToLowerInvariant() ?? "";
        if (text.Length == 0)
        {
            Add(field, "is required.");
        }
        else if (!UserRoles.All.Contains(text))
        {
            Add(field, $"must be one of {string.Join(", ", UserRoles.All)}.");
        }

        return text;
    }

    /// <summary>A seller acts for exactly one seller id; no other role carries one.</summary>
    public Guid? SellerId(string field, string role, Guid? sellerId)
    {
        if (role == UserRoles.Seller && (sellerId is null || sellerId == Guid.Empty))
        {
            Add(field, "is required for role seller.");
        }
        else if (role != UserRoles.Seller && sellerId is not null && UserRoles.All.Contains(role))
        {
            Add(field, "is allowed only for role seller.");
        }

        return sellerId;
    }

    // Deliberately loose (one @, a dot in the domain, no spaces): the real check is whether mail arrives.
    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s.]+$")]
    private static partial Regex EmailPattern();
}
