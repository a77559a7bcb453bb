using Npgsql;

namespace AspireShop.Infrastructure.PaymentProvider.Data;

/// <summary>
/// The provider's tables, created when the host starts (before any other service starts and before requests are
/// served). A stand-in's schema, not a bounded context's: no migrations, only <c>IF NOT EXISTS</c>.
/// </summary>
public sealed class ProviderSchema(NpgsqlDataSource dataSource) : IHostedLifecycleService
{
    // Any number; only instances of this provider contend for it.
    private const long SchemaLock = 0x5041_594D_454E_54;

    private const string Sql = """
        CREATE TABLE IF NOT EXISTS payment_intents (
            id text PRIMARY KEY,
            seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            amount bigint NOT NULL CHECK (amount >= 1),
            amount_received bigint NOT NULL CHECK (amount_received >= 0 AND amount_received <= amount),
            amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
            currency text NOT NULL,
            status text NOT NULL,
            payment_method text NOT NULL,
            metadata jsonb NOT NULL,
            order_reference text,
            last_payment_error jsonb,
            created bigint NOT NULL,
            CONSTRAINT refunds_within_captured CHECK (amount_refunded <= amount_received)
        );
        CREATE INDEX IF NOT EXISTS payment_intents_order_reference ON payment_intents (order_reference, seq);

        CREATE TABLE IF NOT EXISTS refunds (
            id text PRIMARY KEY,
            seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            payment_intent text NOT NULL REFERENCES payment_intents (id),
            amount bigint NOT NULL CHECK (amount >= 1),
            currency text NOT NULL,
            status text NOT NULL,
            metadata jsonb NOT NULL,
            created bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS refunds_payment_intent ON refunds (payment_intent);

        CREATE TABLE IF NOT EXISTS idempotency_keys (
            scope text NOT NULL,
            key text NOT NULL,
            request_hash text NOT NULL,
            status_code integer NOT NULL,
            body text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (scope, key)
        );
        CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON idempotency_keys (created_at);

        CREATE TABLE IF NOT EXISTS webhook_events (
            id text PRIMARY KEY,
            seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            type text NOT NULL,
            payload text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            delivered_at timestamptz,
            last_error text
        );
        CREATE INDEX IF NOT EXISTS webhook_events_pending ON webhook_events (next_attempt_at) WHERE delivered_at IS NULL;
        """;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two instances starting together would both try to create the same types; the lock makes the second wait.
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLock})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var create = new NpgsqlCommand(Sql, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
