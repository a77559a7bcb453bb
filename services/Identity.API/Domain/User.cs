namespace AspireShop.Identity.API.Domain;

/// <summary>An account that signs in with email and password; sellers carry the id of the seller they act for.</summary>
public sealed class User
{
    public Guid Id { get; set; }

    /// <summary>As the user typed it; shown back and put in the <c>email</c> claim.</summary>
    public required string Email { get; set; }

    /// <summary>Lower-cased email, unique: the sign-in key, so case never creates a second account.</summary>
    public required string NormalizedEmail { get; set; }

    public required string Name { get; set; }

    public required string PasswordHash { get; set; }

    public List<string> Roles { get; set; } = [];

    public Guid? SellerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
