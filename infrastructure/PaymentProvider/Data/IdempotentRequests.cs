using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AspireShop.Infrastructure.PaymentProvider.Apis;
using AspireShop.Infrastructure.PaymentProvider.Extensions;
using AspireShop.Infrastructure.PaymentProvider.Testing;
using AspireShop.Infrastructure.PaymentProvider.Webhooks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireShop.Infrastructure.PaymentProvider.Data;

/// <summary>
/// Stripe's idempotency rules for every POST. The key (per API key) is held by a transaction-scoped advisory lock while
/// its request executes, so a concurrent retry gets 409 instead of a second charge, and a crash releases it; the first
/// answer is stored in the same transaction as the intent or refund it created, so neither exists without the other,
/// and is replayed for 24 hours. Answers of 500 (and anything rolled back) are never stored: a retry executes afresh.
/// </summary>
public sealed class IdempotentRequests(NpgsqlDataSource dataSource, Faults faults, WebhookSender webhooks, IOptions<ProviderOptions> options)
{
    public const string KeyHeader = "Idempotency-Key";
    public const int MaxKeyLength = 255;
    public const string Retention = "24 hours";

    // Keys are per API key; a hash, so the key itself is not written to the database.
    private readonly string _scope = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ApiKey)))[..16];

    /// <summary>The work of one request, in the transaction that will (or, for some faults, will not) commit it.</summary>
    public delegate Task<ApiResult> Operation(NpgsqlTransaction transaction, FaultMode fault, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="operation"/> once per key, or replays its stored answer; <paramref name="charge"/> says
    /// whether it charges a card (the <c>decline_all</c> fault applies only then).
    /// </summary>
    public async Task<IResult> ExecuteAsync(HttpContext context, RequestBody body, bool charge, Operation operation)
    {
        var cancellationToken = context.RequestAborted;
        string? key = null;
        if (context.Request.Headers.TryGetValue(KeyHeader, out var values))
        {
            key = values.ToString();
            if (key.Length is 0 or > MaxKeyLength || key.Contains('\0', StringComparison.Ordinal))
            {
                return ApiResult.InvalidRequest(null, $"The {KeyHeader} header must be 1 to {MaxKeyLength} characters.");
            }
        }

        var requestHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{context.Request.Method} {context.Request.Path}\n{body.Canonical}")));

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (key is not null)
        {
            if (!await TryLockAsync(transaction, key, cancellationToken))
            {
                return ApiResult.Error(StatusCodes.Status409Conflict, new ApiError
                {
                    Type = ErrorTypes.Idempotency,
                    Code = "idempotency_key_in_use",
                    Message = "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): " + key + ". Please try again later.",
                });
            }

            if (await FindAsync(transaction, key, cancellationToken) is { } stored)
            {
                return stored.RequestHash == requestHash
                    ? new ApiResult(stored.StatusCode, stored.Body) { Replayed = true }
                    : ApiResult.Error(StatusCodes.Status400BadRequest, new ApiError
                    {
                        Type = ErrorTypes.Idempotency,
                        Message = $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.",
                    });
            }
        }

        var fault = faults.TakeForExecution(charge);
        var result = await operation(transaction, fault, cancellationToken);
        if (fault == FaultMode.ErrorBeforeCommit)
        {
            await transaction.RollbackAsync(cancellationToken);
            return ApiResult.ApiFailure();
        }

        if (key is not null && result.StatusCode < StatusCodes.Status500InternalServerError)
        {
            await SaveAsync(transaction, key, requestHash, result, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        webhooks.Notify();

        switch (fault)
        {
            case FaultMode.ErrorAfterCommit:
                return ApiResult.ApiFailure();
            case FaultMode.ResetAfterCommit:
                context.Abort();
                return Results.Empty;
            default:
                return result;
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlTransaction transaction, string key, CancellationToken cancellationToken)
    {
        var lockId = BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"idempotency\n{_scope}\n{key}")));
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock($1)", transaction.Connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = lockId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<(string RequestHash, int StatusCode, string Body)?> FindAsync(NpgsqlTransaction transaction, string key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT request_hash, status_code, body FROM idempotency_keys WHERE scope = $1 AND key = $2 AND created_at > now() - interval '{Retention}'",
            transaction.Connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = _scope });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetInt32(1), reader.GetString(2)) : null;
    }

    /// <summary>Stores the answer, replacing only an expired one (the purge may not have reached it yet).</summary>
    private async Task SaveAsync(NpgsqlTransaction transaction, string key, string requestHash, ApiResult result, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO idempotency_keys (scope, key, request_hash, status_code, body) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, status_code = excluded.status_code, body = excluded.body, created_at = now()
            WHERE idempotency_keys.created_at <= now() - interval '{Retention}'
            """,
            transaction.Connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = _scope });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = requestHash });
        command.Parameters.Add(new NpgsqlParameter { Value = result.StatusCode });
        command.Parameters.Add(new NpgsqlParameter { Value = result.Json });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
