using AspireShop.Identity.API.Domain;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Identity.API.Data;

/// <summary>
/// Users, the token server's keys, and OpenIddict's applications, authorizations, scopes and tokens (its default
/// table names). Other services and tests read <c>signing_keys</c> by name: its table and column names are a contract.
/// </summary>
public sealed class IdentityContext(DbContextOptions<IdentityContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.UseOpenIddict();

        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id).HasName("users_pkey");
            user.Property(u => u.Id).HasColumnName("id").ValueGeneratedNever();
            user.Property(u => u.Email).HasColumnName("email").HasMaxLength(254);
            user.Property(u => u.NormalizedEmail).HasColumnName("normalized_email").HasMaxLength(254);
            user.Property(u => u.Name).HasColumnName("name").HasMaxLength(100);
            user.Property(u => u.PasswordHash).HasColumnName("password_hash");
            user.Property(u => u.Roles).HasColumnName("roles");
            user.Property(u => u.SellerId).HasColumnName("seller_id");
            user.Property(u => u.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
            user.HasIndex(u => u.NormalizedEmail).IsUnique().HasDatabaseName("users_normalized_email_key");
        });

        modelBuilder.Entity<SigningKey>(key =>
        {
            key.ToTable("signing_keys");
            key.HasKey(k => k.KeyId).HasName("signing_keys_pkey");
            key.Property(k => k.KeyId).HasColumnName("key_id");
            key.Property(k => k.Use).HasColumnName("use");
            key.Property(k => k.Algorithm).HasColumnName("algorithm");
            key.Property(k => k.PrivateKeyPem).HasColumnName("private_key_pem");
            key.Property(k => k.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
            // One active key per use: instances racing to create the first key agree on the winner.
            key.HasIndex(k => k.Use).IsUnique().HasDatabaseName("signing_keys_use_key");
        });
    }
}
