using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace AspireShop.BuildingBlocks.Idempotency;

/// <summary>
/// Idempotency-Key for unsafe HTTP requests, with Stripe's and the IETF draft's semantics: the first response is stored
/// with the work it describes (same transaction) and replayed byte for byte for <see cref="Retention"/>; the same key
/// with another request is refused; a key whose first request is still running is "in flight". Keys are scoped (per
/// buyer, per API client), so two callers never see each other's responses.
/// </summary>
/// <remarks>
/// In flight is a transaction-scoped advisory lock rather than a stored marker: a request that crashes or rolls back
/// frees its key by itself, so no key is ever stranded "in progress".
/// </remarks>
public sealed class IdempotencyStore(TimeProvider clock)
{
    public const string Table = "idempotency_keys";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>
    /// Takes <paramref name="key"/> for the current transaction of <paramref name="context"/> (which must have one) and
    /// says what to do: run the request (<see cref="IdempotencyClaim.Claimed"/>), replay, or refuse.
    /// </summary>
    public Task<IdempotencyClaim> ClaimAsync(DbContext context, string scope, string key, string requestHash, CancellationToken cancellationToken)
    {
        var (connection, transaction) = Connection(context);
        return ClaimAsync(connection, transaction, scope, key, requestHash, cancellationToken);
    }

    public async Task<IdempotencyClaim> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string scope, string key, string requestHash, CancellationToken cancellationToken)
    {
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
        {
            tryLock.Parameters.Add(new NpgsqlParameter { Value = $"{scope}\n{key}" });
            if (await tryLock.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return IdempotencyClaim.InFlight;
            }
        }

        await using var select = new NpgsqlCommand(
            $"SELECT request_hash, status_code, location, body, expires_at FROM {Table} WHERE scope = $1 AND key = $2", connection, transaction);
        select.Parameters.Add(new NpgsqlParameter { Value = scope });
        select.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return IdempotencyClaim.Claimed;
        }

        // Past its retention a key is new again (the stale row is replaced on completion).
        if (reader.GetFieldValue<DateTimeOffset>(4) <= clock.GetUtcNow())
        {
            return IdempotencyClaim.Claimed;
        }

        if (reader.GetString(0) != requestHash)
        {
            return IdempotencyClaim.Mismatch;
        }

        return new IdempotencyClaim(
            IdempotencyOutcome.Replay,
            new StoredResponse(reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<byte[]>(3)));
    }

    /// <summary>Stores the response of a claimed key in the same transaction as the work, so both commit or neither.</summary>
    public Task CompleteAsync(DbContext context, string scope, string key, string requestHash, StoredResponse response, CancellationToken cancellationToken)
    {
        var (connection, transaction) = Connection(context);
        return CompleteAsync(connection, transaction, scope, key, requestHash, response, cancellationToken);
    }

    public async Task CompleteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string scope, string key, string requestHash, StoredResponse response, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var upsert = new NpgsqlCommand(
            $"""
            INSERT INTO {Table} (scope, key, request_hash, status_code, location, body, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (scope, key) DO UPDATE SET request_hash = $3, status_code = $4, location = $5, body = $6, created_at = $7, expires_at = $8
            """,
            connection,
            transaction);
        upsert.Parameters.Add(new NpgsqlParameter { Value = scope });
        upsert.Parameters.Add(new NpgsqlParameter { Value = key });
        upsert.Parameters.Add(new NpgsqlParameter { Value = requestHash });
        upsert.Parameters.Add(new NpgsqlParameter { Value = response.StatusCode });
        upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)response.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        upsert.Parameters.Add(new NpgsqlParameter { Value = response.Body });
        upsert.Parameters.Add(new NpgsqlParameter { Value = now });
        upsert.Parameters.Add(new NpgsqlParameter { Value = now + Retention });
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A stable fingerprint of what the request asked for; compare, never parse.</summary>
    public static string Hash(string canonicalRequest) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));

    private static (NpgsqlConnection Connection, NpgsqlTransaction Transaction) Connection(DbContext context) =>
        (context.Database.GetDbConnection() as NpgsqlConnection ?? throw new InvalidOperationException("The idempotency store needs Npgsql."),
         context.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction
            ?? throw new InvalidOperationException("Claim an idempotency key inside the transaction that does the work."));
}

public enum IdempotencyOutcome
{
    /// <summary>New (or expired) key, now held by this transaction: do the work and complete it.</summary>
    Claimed,

    /// <summary>Done before with the same request: send <see cref="IdempotencyClaim.Response"/> again.</summary>
    Replay,

    /// <summary>Used before with a different request (422).</summary>
    Mismatch,

    /// <summary>Its first request is still running (409 with Retry-After).</summary>
    InFlight,
}

public sealed record IdempotencyClaim(IdempotencyOutcome Outcome, StoredResponse? Response = null)
{
    public static readonly IdempotencyClaim Claimed = new(IdempotencyOutcome.Claimed);
    public static readonly IdempotencyClaim Mismatch = new(IdempotencyOutcome.Mismatch);
    public static readonly IdempotencyClaim InFlight = new(IdempotencyOutcome.InFlight);
}

/// <summary>What is replayed: status, Location and the exact body bytes.</summary>
public sealed record StoredResponse(int StatusCode, string? Location, byte[] Body);

/// <summary>The table, mapped so a service's EF migrations create it.</summary>
public static class IdempotencyModel
{
    public static ModelBuilder AddIdempotencyKeys(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<IdempotencyKeyRow>(entity =>
        {
            entity.ToTable(IdempotencyStore.Table);
            entity.HasKey(k => new { k.Scope, k.Key });
            entity.Property(k => k.Scope).HasColumnName("scope").HasMaxLength(255);
            entity.Property(k => k.Key).HasColumnName("key").HasMaxLength(IdempotencyStore.MaxKeyLength);
            entity.Property(k => k.RequestHash).HasColumnName("request_hash").HasMaxLength(64);
            entity.Property(k => k.StatusCode).HasColumnName("status_code");
            entity.Property(k => k.Location).HasColumnName("location");
            entity.Property(k => k.Body).HasColumnName("body");
            entity.Property(k => k.CreatedAt).HasColumnName("created_at");
            entity.Property(k => k.ExpiresAt).HasColumnName("expires_at");
            // A purge of expired keys scans by expiry.
            entity.HasIndex(k => k.ExpiresAt);
        });
        return modelBuilder;
    }
}

public sealed class IdempotencyKeyRow
{
    public required string Scope { get; set; }

    public required string Key { get; set; }

    public required string RequestHash { get; set; }

    public int StatusCode { get; set; }

    public string? Location { get; set; }

    public required byte[] Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
