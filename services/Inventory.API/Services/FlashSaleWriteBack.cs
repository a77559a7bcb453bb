using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Workers;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Data.Schema;
using AspireShop.Inventory.API.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace AspireShop.Inventory.API.Services;

/// <summary>
/// Applies the flash-sale decisions queued in Redis to Postgres in batches. The queue is a stream read through a
/// consumer group: an entry stays pending until the batch that contains it has committed (then XACK + XDEL), a restarted
/// instance re-reads its own pending entries first and claims those a dead instance left idle, and every apply is
/// idempotent (insert on the reservation id, transitions only from active), so a crash anywhere loses and doubles
/// nothing. Each tick it also expires due flash holds in Redis and closes sales whose window has ended.
/// </summary>
public sealed class FlashSaleWriteBack(
    IConnectionMultiplexer redis,
    InventoryDatabase db,
    RedisKeys keys,
    FlashSaleCounter counter,
    IServiceProvider services,
    IOptions<InventoryOptions> options,
    TimeProvider clock,
    ILoggerFactory loggers) : PeriodicWorker(nameof(FlashSaleWriteBack), clock, loggers)
{
    public const string ConsumerGroup = "inventory-writeback";

    private readonly WriteBackOptions _settings = options.Value.FlashSales.WriteBack;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _groupReady;
    private DateTimeOffset _lastClaim = DateTimeOffset.MinValue;

    protected override TimeSpan Interval => _settings.Interval;

    protected override int BatchSize => _settings.BatchSize;

    // Off only to test recovery: no rounds at all, so the queue waits in Redis for an instance with it on.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _settings.Enabled ? base.ExecuteAsync(stoppingToken) : Task.CompletedTask;

    /// <summary>
    /// One round: claims what dead consumers left (at most every half <c>ClaimIdle</c>) and applies one batch; once the
    /// queue is drained, expires due flash holds in Redis and closes sales whose window has ended. Returns the batch size.
    /// </summary>
    protected override async Task<int> RunRoundAsync(CancellationToken cancellationToken)
    {
        if (Clock.GetUtcNow() - _lastClaim > _settings.ClaimIdle / 2)
        {
            await ClaimAsync(_settings.ClaimIdle);
            _lastClaim = Clock.GetUtcNow();
        }

        var applied = await ProcessOnceAsync(cancellationToken);
        // A full batch runs the next round at once: the upkeep waits until the queue is drained, once per tick.
        if (applied < BatchSize)
        {
            await ExpireAndCloseAsync(cancellationToken);
        }

        return applied;
    }

    /// <summary>Applies everything queued so far, including entries other consumers hold; for a sale's close.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + _settings.DrainTimeout;
        while (true)
        {
            if (await ProcessOnceAsync(cancellationToken) > 0)
            {
                continue;
            }

            if (await redis.GetDatabase().StreamLengthAsync(keys.WriteBackStream) == 0)
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The flash-sale write-back did not drain within {_settings.DrainTimeout}.");
            }

            // Entries read by another consumer but not yet applied: applying twice is harmless, waiting for a dead one is not.
            await ClaimAsync(TimeSpan.Zero);
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>One batch: this consumer's pending entries first (a previous run's in-flight batch), else new ones.</summary>
    public async Task<int> ProcessOnceAsync(CancellationToken cancellationToken)
    {
        await EnsureGroupAsync();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var db = redis.GetDatabase();
            StreamEntry[] entries;
            try
            {
                entries = await db.StreamReadGroupAsync(keys.WriteBackStream, ConsumerGroup, _settings.Consumer, "0", _settings.BatchSize);
                if (entries.Length == 0)
                {
                    entries = await db.StreamReadGroupAsync(keys.WriteBackStream, ConsumerGroup, _settings.Consumer, ">", _settings.BatchSize);
                }
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // Redis lost the stream (restart without persistence): recreate the group; what was queued is gone.
                _groupReady = false;
                return 0;
            }

            var ids = entries.Select(e => e.Id).ToArray();
            var operations = entries.Where(e => !e.IsNull && e.Values.Length > 0).Select(WriteBackOperation.Parse).ToList();
            if (ids.Length == 0)
            {
                return 0;
            }

            await ApplyAsync(operations, cancellationToken);
            await db.StreamAcknowledgeAsync(keys.WriteBackStream, ConsumerGroup, ids);
            await db.StreamDeleteAsync(keys.WriteBackStream, ids);
            return ids.Length;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ApplyAsync(List<WriteBackOperation> operations, CancellationToken cancellationToken)
    {
        var holds = operations.DistinctBy(o => o.Id).ToList();
        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Every entry carries the whole hold, so it can be inserted whichever entry arrives first. A hold for a sale
        // Postgres has already closed is stored as expired: its units were returned with the close.
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO reservations (id, sku_id, seller_id, holder_id, quantity, status, ttl_seconds, expires_at, created_at, updated_at, flash_sale_id)
            SELECT u.id, u.sku, u.seller, u.holder, u.q, CASE WHEN f.status = 'active' THEN 'active' ELSE 'expired' END,
                   greatest(1, extract(epoch FROM u.exp - u.created))::int, u.exp, u.created, now(), u.sale
            FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::int[], $6::timestamptz[], $7::timestamptz[], $8::uuid[])
                 AS u(id, sku, seller, holder, q, exp, created, sale)
            LEFT JOIN flash_sales f ON f.id = u.sale
            ON CONFLICT (id) DO NOTHING
            """,
            connection,
            transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = holds.Select(h => h.Id).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = holds.Select(h => h.SkuId).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = holds.Select(h => h.SellerId).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = holds.Select(h => h.HolderId).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = holds.Select(h => h.Quantity).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = holds.Select(h => h.ExpiresAt).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = holds.Select(h => h.CreatedAt).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = holds.Select(h => h.SaleId).ToArray() });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // Released and expired flash holds change no stock: their units went back to the Redis counter.
        foreach (var status in new[] { ReservationStatus.Released, ReservationStatus.Expired })
        {
            var ended = operations.Where(o => o.Op == status).Select(o => o.Id).ToArray();
            if (ended.Length == 0)
            {
                continue;
            }

            await using var update = new NpgsqlCommand(
                "UPDATE reservations SET status = $2, updated_at = now() WHERE id = ANY($1) AND status = 'active'", connection, transaction);
            update.Parameters.Add(new NpgsqlParameter { Value = ended });
            update.Parameters.Add(new NpgsqlParameter { Value = status });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var confirm in operations.Where(o => o.Op == ReservationStatus.Confirmed))
        {
            await using var update = new NpgsqlCommand(
                "UPDATE reservations SET status = 'confirmed', updated_at = now() WHERE id = $1 AND status = 'active'", connection, transaction);
            update.Parameters.Add(new NpgsqlParameter { Value = confirm.Id });
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                await Reservations.SellAsync(connection, transaction, confirm.ToRecord(ReservationStatus.Confirmed), cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task ExpireAndCloseAsync(CancellationToken cancellationToken)
    {
        foreach (var saleId in await counter.OpenSalesAsync())
        {
            while (await counter.ExpireDueAsync(saleId, BatchSize) == BatchSize)
            {
            }
        }

        // Resolved here, not injected: FlashSales depends on this worker for its drain.
        var sales = services.GetRequiredService<FlashSales>();
        foreach (var ended in await sales.EndedAsync(cancellationToken))
        {
            await sales.CloseAsync(ended, Tenant.Everyone, cancellationToken);
        }
    }

    private async Task ClaimAsync(TimeSpan minIdle)
    {
        await EnsureGroupAsync();
        var db = redis.GetDatabase();
        var next = (RedisValue)"0-0";
        do
        {
            var claimed = await db.StreamAutoClaimIdsOnlyAsync(
                keys.WriteBackStream, ConsumerGroup, _settings.Consumer, (long)minIdle.TotalMilliseconds, next, _settings.BatchSize);
            next = claimed.NextStartId;
        }
        while (next != "0-0");
    }

    private async Task EnsureGroupAsync()
    {
        if (_groupReady)
        {
            return;
        }

        try
        {
            await redis.GetDatabase().StreamCreateConsumerGroupAsync(keys.WriteBackStream, ConsumerGroup, "0-0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
        }

        _groupReady = true;
    }
}

/// <summary>One queued decision: the hold it concerns, whole, and what happened to it.</summary>
internal sealed record WriteBackOperation(
    string Op, Guid Id, Guid SaleId, Guid SkuId, Guid SellerId, Guid HolderId, int Quantity, DateTimeOffset ExpiresAt, DateTimeOffset CreatedAt)
{
    public static WriteBackOperation Parse(StreamEntry entry)
    {
        var values = entry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value);
        return new WriteBackOperation(
            values["op"].ToString(),
            Guid.Parse(values["id"].ToString()),
            Guid.Parse(values["sale"].ToString()),
            Guid.Parse(values["sku"].ToString()),
            Guid.Parse(values["seller"].ToString()),
            Guid.Parse(values["holder"].ToString()),
            (int)values["q"],
            DateTimeOffset.FromUnixTimeMilliseconds((long)values["exp"]),
            DateTimeOffset.FromUnixTimeMilliseconds((long)values["created"]));
    }

    public ReservationRecord ToRecord(string status) =>
        new(Id, SkuId, SellerId, HolderId, Quantity, status, ExpiresAt, (int)(ExpiresAt - CreatedAt).TotalSeconds, SaleId);
}
