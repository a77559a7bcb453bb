using AspireShop.Identity.API.Data;
using AspireShop.Identity.API.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireShop.Identity.API.Services;

public enum CreateUserOutcome
{
    Created,
    DuplicateEmail,
}

/// <summary>Creating users and checking passwords; the only place that touches password hashes.</summary>
public sealed class UserAccounts(IdentityContext context, IPasswordHasher<User> hasher, TimeProvider time)
{
    // Verified when the email is unknown, so a wrong email costs as much as a wrong password and timing reveals nothing.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<User>().HashPassword(null!, "not-a-real-password"));

    public async Task<(CreateUserOutcome Outcome, User User)> CreateAsync(
        string email, string password, string name, IReadOnlyList<string> roles, Guid? sellerId, CancellationToken cancellationToken)
    {
        var user = new User
        {
            Id = Guid.CreateVersion7(),
            Email = email.Trim(),
            NormalizedEmail = User.Normalize(email),
            Name = name,
            PasswordHash = "",
            Roles = [.. roles],
            SellerId = sellerId,
            CreatedAt = time.GetUtcNow(),
        };
        // Checked before hashing: the hash is the expensive part and a duplicate never needs it.
        if (await context.Users.AnyAsync(u => u.NormalizedEmail == user.NormalizedEmail, cancellationToken))
        {
            return (CreateUserOutcome.DuplicateEmail, user);
        }

        user.PasswordHash = hasher.HashPassword(user, password);

        context.Users.Add(user);
        try
        {
            await context.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two registrations of one email at once: the unique index decides, the loser gets the same 409.
            context.Entry(user).State = EntityState.Detached;
            return (CreateUserOutcome.DuplicateEmail, user);
        }

        return (CreateUserOutcome.Created, user);
    }

    /// <summary>The user when email and password match; null for an unknown email or a wrong password alike.</summary>
    public async Task<User?> SignInAsync(string? email, string? password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            return null;
        }

        var normalized = User.Normalize(email);
        var user = await context.Users.FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user is null)
        {
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password);
            return null;
        }

        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // An older hash format or iteration count: upgrade it while the password is at hand.
            user.PasswordHash = hasher.HashPassword(user, password);
            await context.SaveChangesAsync(cancellationToken);
        }

        return user;
    }

    public Task<User?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        context.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
}
