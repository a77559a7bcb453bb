using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Data.Schema;
using Npgsql;

namespace AspireShop.Inventory.API.Services;

/// <summary>A reservation as the API shows it; <see cref="OrderId"/> is set once an order owns it.</summary>
public sealed record ReservationRecord(
    Guid Id, Guid SkuId, Guid SellerId, Guid HolderId, int Quantity, string Status, DateTimeOffset ExpiresAt, int TtlSeconds, Guid? FlashSaleId,
    Guid? OrderId = null)
{
    /// <summary>
    /// An active hold past its expiry is already expired for callers, even before the sweeper gets to it; an order's
    /// hold never expires (only the order's commands end it).
    /// </summary>
    public string EffectiveStatus(DateTimeOffset now) =>
        Status == ReservationStatus.Active && OrderId is null && ExpiresAt <= now ? ReservationStatus.Expired : Status;
}

public abstract record ReserveOutcome
{
    public sealed record Created(ReservationRecord Reservation, bool Replayed) : ReserveOutcome;

    public sealed record OutOfStock(int Available) : ReserveOutcome;

    public sealed record UnknownSku : ReserveOutcome;
}

public enum ConfirmOutcome
{
    Confirmed,
    NotFound,
    NotActive,
}

public abstract record ResizeOutcome
{
    public sealed record Resized(ReservationRecord Reservation) : ResizeOutcome;

    public sealed record OutOfStock(int Available) : ResizeOutcome;

    public sealed record NotActive(string Reason) : ResizeOutcome;
}

/// <summary>
/// Holds with a TTL (the abandoned cart): each change is one transaction over the reservation row, a guarded stock
/// UPDATE, a movement and the availability event. Offers with an open flash sale are decided by
/// <see cref="FlashSaleCounter"/> first; everything else (and everything when Redis fails) goes to Postgres. A hold an
/// order owns (<c>order_id</c> set, see <see cref="OrderReservations"/>) is out of reach here: no expiry, release,
/// resize or confirm touches it.
/// </summary>
public sealed partial class Reservations(InventoryDatabase db, ReservationMirror mirror, FlashSaleCounter flash, ILogger<Reservations> logger)
{
    internal const string Columns = "id, sku_id, seller_id, holder_id, quantity, status, expires_at, ttl_seconds, flash_sale_id, order_id";

    // Rows of a flash sale that is still open belong to its Redis counter: Postgres paths leave their units alone.
    internal const string NotInOpenFlashSale =
        "(r.flash_sale_id IS NULL OR NOT EXISTS (SELECT 1 FROM flash_sales f WHERE f.id = r.flash_sale_id AND f.status = 'active'))";

    public async Task<ReserveOutcome> ReserveAsync(
        Guid skuId, Guid sellerId, int quantity, TimeSpan ttl, Guid holderId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var flashOutcome = await flash.TryReserveAsync(skuId, sellerId, quantity, ttl, holderId, idempotencyKey);
        if (flashOutcome is not null)
        {
            return flashOutcome;
        }

        if (idempotencyKey is not null && await FindByKeyAsync(holderId, idempotencyKey, cancellationToken) is { } existing)
        {
            return new ReserveOutcome.Created(existing, Replayed: true);
        }

        var id = Guid.CreateVersion7();
        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await StockStore.TryChangeAsync(connection, transaction, skuId, sellerId, 0, quantity, cancellationToken, offeredOnly: true);
        if (row is null)
        {
            var current = await StockStore.FindAsync(connection, transaction, skuId, sellerId, cancellationToken);
            var offered = current is not null && await StockStore.IsOfferedAsync(connection, transaction, skuId, sellerId, cancellationToken);
            await transaction.RollbackAsync(cancellationToken);
            return offered ? new ReserveOutcome.OutOfStock(current!.Available) : new ReserveOutcome.UnknownSku();
        }

        ReservationRecord reservation;
        try
        {
            await using var insert = new NpgsqlCommand(
                $"""
                INSERT INTO reservations (id, sku_id, seller_id, holder_id, quantity, status, ttl_seconds, expires_at, created_at, updated_at, idempotency_key)
                VALUES ($1, $2, $3, $4, $5, 'active', $6, now() + make_interval(secs => $6), now(), now(), $7)
                RETURNING {Columns}
                """,
                connection,
                transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = skuId });
            insert.Parameters.Add(new NpgsqlParameter { Value = sellerId });
            insert.Parameters.Add(new NpgsqlParameter { Value = holderId });
            insert.Parameters.Add(new NpgsqlParameter { Value = quantity });
            insert.Parameters.Add(new NpgsqlParameter { Value = (int)ttl.TotalSeconds });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)idempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
            reservation = (await ReadAsync(insert, cancellationToken))!;
            await StockStore.RecordAsync(connection, transaction, row, "reserve", 0, quantity, cancellationToken, reservationId: id);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && idempotencyKey is not null)
        {
            // A concurrent retry with the same key won: roll back this hold and answer with that one.
            await transaction.RollbackAsync(CancellationToken.None);
            var winner = await FindByKeyAsync(holderId, idempotencyKey, cancellationToken)
                ?? throw new InvalidOperationException("Idempotency key conflict without a row.", ex);
            return new ReserveOutcome.Created(winner, Replayed: true);
        }

        await mirror.SetAsync(reservation.Id, reservation.ExpiresAt);
        return new ReserveOutcome.Created(reservation, Replayed: false);
    }

    /// <summary>
    /// The hold a reserve with <paramref name="idempotencyKey"/> made: how a caller whose reply was lost finds out
    /// what happened. A flash hold not yet written back is found through the sale's key in Redis.
    /// </summary>
    public async Task<ReservationRecord?> FindByKeyAsync(Guid skuId, Guid sellerId, Guid holderId, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (await FindByKeyAsync(holderId, idempotencyKey, cancellationToken) is { } stored)
        {
            return stored.FlashSaleId is null ? stored : await flash.TryFindAsync(stored.Id) ?? stored;
        }

        return await flash.FindIdByKeyAsync(skuId, sellerId, holderId, idempotencyKey) is { } id ? await flash.TryFindAsync(id) : null;
    }

    /// <summary>
    /// Undoes whatever a reserve with <paramref name="idempotencyKey"/> did, now or later: the hold it made is
    /// released, and if it made none the key is taken by a released placeholder row (and in an open sale's counter),
    /// so a request still in flight with that key holds nothing when it arrives. Idempotent.
    /// </summary>
    public async Task ReleaseByKeyAsync(Guid skuId, Guid sellerId, Guid holderId, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (await flash.FenceAsync(skuId, sellerId, holderId, idempotencyKey) is { } flashHold)
        {
            await ReleaseAsync(flashHold, cancellationToken);
        }

        // ON CONFLICT waits for a concurrent reserve holding the key uncommitted, so the SELECT sees its outcome.
        await using (var fence = db.CreateCommand(
            """
            INSERT INTO reservations (id, sku_id, seller_id, holder_id, quantity, status, ttl_seconds, expires_at, created_at, updated_at, idempotency_key)
            VALUES ($1, $2, $3, $4, 1, 'released', 0, now(), now(), now(), $5)
            ON CONFLICT (holder_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            """))
        {
            fence.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
            fence.Parameters.Add(new NpgsqlParameter { Value = skuId });
            fence.Parameters.Add(new NpgsqlParameter { Value = sellerId });
            fence.Parameters.Add(new NpgsqlParameter { Value = holderId });
            fence.Parameters.Add(new NpgsqlParameter { Value = idempotencyKey });
            await fence.ExecuteNonQueryAsync(cancellationToken);
        }

        if (await FindByKeyAsync(holderId, idempotencyKey, cancellationToken) is { Status: ReservationStatus.Active } held)
        {
            await ReleaseAsync(held.Id, cancellationToken);
        }
    }

    /// <summary>Postgres first; a flash hold not yet written back is read from Redis.</summary>
    public async Task<ReservationRecord?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM reservations WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        var stored = await ReadAsync(command, cancellationToken);
        if (stored is not null && stored.FlashSaleId is null)
        {
            return stored;
        }

        // While a sale is open, Redis knows a flash hold's latest state before the write-back does.
        return await flash.TryFindAsync(id) ?? stored;
    }

    /// <summary>
    /// Releases an active hold; releasing anything else (or twice) changes nothing, and so does releasing an order's
    /// hold: the cart dropping a line after checkout must not hand the order's units out a second time.
    /// </summary>
    public async Task ReleaseAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await flash.TryReleaseAsync(id))
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var update = new NpgsqlCommand(
            $"""
            UPDATE reservations r SET status = 'released', updated_at = now()
            WHERE r.id = $1 AND r.status = 'active' AND r.order_id IS NULL
            RETURNING {Columns}, {NotInOpenFlashSale}
            """,
            connection,
            transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = id });
        Guid skuId, sellerId;
        int quantity;
        bool returnsUnits;
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return;
            }

            (skuId, sellerId, quantity, returnsUnits) = (reader.GetGuid(1), reader.GetGuid(2), reader.GetInt32(4), reader.GetBoolean(10));
        }

        // A flash hold whose Redis record is gone while its sale is open: its units stay in the sale's allocation,
        // which the close returns to stock (under-sell, never oversell).
        if (returnsUnits)
        {
            var row = await StockStore.TryChangeAsync(connection, transaction, skuId, sellerId, 0, -quantity, cancellationToken)
                ?? throw new InvalidOperationException($"Stock of {skuId}/{sellerId} holds less than reservation {id}.");
            await StockStore.RecordAsync(connection, transaction, row, "release", 0, -quantity, cancellationToken, reservationId: id);
        }

        await transaction.CommitAsync(cancellationToken);
        await mirror.RemoveAsync(id);
    }

    /// <summary>
    /// Turns an active, unexpired hold into a sale: on-hand and reserved both drop by its quantity. A flash hold of an
    /// open sale is confirmed only through its Redis record (else the counter could hand its units out again); an
    /// order's hold only by the order's commit.
    /// </summary>
    public async Task<ConfirmOutcome> ConfirmAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await flash.TryConfirmAsync(id) is { } flashOutcome)
        {
            return flashOutcome;
        }

        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var update = new NpgsqlCommand(
            $"""
            UPDATE reservations r SET status = 'confirmed', updated_at = now()
            WHERE r.id = $1 AND r.status = 'active' AND r.expires_at > now() AND r.order_id IS NULL AND {NotInOpenFlashSale}
            RETURNING {Columns}
            """,
            connection,
            transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = id });
        var confirmed = await ReadAsync(update, cancellationToken);
        if (confirmed is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            var current = await FindAsync(id, cancellationToken);
            return current is null ? ConfirmOutcome.NotFound
                : current.Status == ReservationStatus.Confirmed ? ConfirmOutcome.Confirmed
                : ConfirmOutcome.NotActive;
        }

        await SellAsync(connection, transaction, confirmed, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await mirror.RemoveAsync(id);
        return ConfirmOutcome.Confirmed;
    }

    /// <summary>The stock side of a confirmed hold; flash holds also count against their sale's allocation.</summary>
    internal static async Task SellAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ReservationRecord confirmed, CancellationToken cancellationToken)
    {
        var q = confirmed.Quantity;
        var row = await StockStore.TryChangeAsync(connection, transaction, confirmed.SkuId, confirmed.SellerId, -q, -q, cancellationToken)
            ?? throw new InvalidOperationException($"Stock of {confirmed.SkuId}/{confirmed.SellerId} holds less than reservation {confirmed.Id}.");
        if (confirmed.FlashSaleId is { } saleId)
        {
            await using var sale = new NpgsqlCommand("UPDATE flash_sales SET confirmed = confirmed + $2 WHERE id = $1", connection, transaction);
            sale.Parameters.Add(new NpgsqlParameter { Value = saleId });
            sale.Parameters.Add(new NpgsqlParameter { Value = q });
            await sale.ExecuteNonQueryAsync(cancellationToken);
        }

        await StockStore.RecordAsync(connection, transaction, row, "confirm", -q, -q, cancellationToken, reservationId: confirmed.Id, flashSaleId: confirmed.FlashSaleId);
    }

    /// <summary>
    /// Changes an active hold's quantity (growing only if stock allows) and restarts its TTL from now, with the new
    /// TTL if given, else the one it was created with: a cart that is being edited is not abandoned.
    /// </summary>
    public async Task<ResizeOutcome> ResizeAsync(Guid id, int quantity, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        if (await flash.TryFindAsync(id) is { Status: ReservationStatus.Active })
        {
            return new ResizeOutcome.NotActive("Flash-sale reservations cannot be resized; release it and reserve again.");
        }

        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            $"SELECT {Columns} FROM reservations r WHERE r.id = $1 AND r.status = 'active' AND r.expires_at > now() AND r.order_id IS NULL AND {NotInOpenFlashSale} FOR UPDATE OF r",
            connection,
            transaction);
        select.Parameters.Add(new NpgsqlParameter { Value = id });
        var current = await ReadAsync(select, cancellationToken);
        if (current is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new ResizeOutcome.NotActive("The reservation is no longer active.");
        }

        var delta = quantity - current.Quantity;
        if (delta != 0)
        {
            var row = await StockStore.TryChangeAsync(connection, transaction, current.SkuId, current.SellerId, 0, delta, cancellationToken, offeredOnly: delta > 0);
            if (row is null)
            {
                var stock = await StockStore.FindAsync(connection, transaction, current.SkuId, current.SellerId, cancellationToken);
                await transaction.RollbackAsync(cancellationToken);
                return new ResizeOutcome.OutOfStock(stock?.Available ?? 0);
            }

            await StockStore.RecordAsync(connection, transaction, row, "resize", 0, delta, cancellationToken, reservationId: id);
        }

        await using var update = new NpgsqlCommand(
            $"""
            UPDATE reservations SET quantity = $2, ttl_seconds = $3, expires_at = now() + make_interval(secs => $3), updated_at = now()
            WHERE id = $1 RETURNING {Columns}
            """,
            connection,
            transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = id });
        update.Parameters.Add(new NpgsqlParameter { Value = quantity });
        update.Parameters.Add(new NpgsqlParameter { Value = ttl is { } t ? (int)t.TotalSeconds : current.TtlSeconds });
        var resized = (await ReadAsync(update, cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        await mirror.SetAsync(id, resized.ExpiresAt);
        return new ResizeOutcome.Resized(resized);
    }

    /// <summary>
    /// Expires due holds (all of them in batches, or just <paramref name="onlyId"/> for a Redis prompt): rows are
    /// claimed with FOR UPDATE SKIP LOCKED so several instances sweep side by side, and each release is conditional on
    /// the hold still being active, so a prompt racing the sweeper releases once. An order's holds never expire.
    /// </summary>
    public async Task<int> ExpireDueAsync(Guid? onlyId, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            $"""
            SELECT {Columns} FROM reservations r
            WHERE r.status = 'active' AND r.expires_at <= now() AND r.order_id IS NULL AND {NotInOpenFlashSale} AND ($1::uuid IS NULL OR r.id = $1)
            ORDER BY r.expires_at LIMIT $2
            FOR UPDATE OF r SKIP LOCKED
            """,
            connection,
            transaction);
        select.Parameters.Add(new NpgsqlParameter { Value = (object?)onlyId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        select.Parameters.Add(new NpgsqlParameter { Value = batchSize });
        var due = new List<ReservationRecord>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(Map(reader));
            }
        }

        if (due.Count == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return 0;
        }

        await using (var expire = new NpgsqlCommand("UPDATE reservations SET status = 'expired', updated_at = now() WHERE id = ANY($1)", connection, transaction))
        {
            expire.Parameters.Add(new NpgsqlParameter { Value = due.Select(r => r.Id).ToArray() });
            await expire.ExecuteNonQueryAsync(cancellationToken);
        }

        // Same lock order in every sweeper (by offer), so two sweepers never deadlock on stock rows.
        foreach (var reservation in due.OrderBy(r => r.SkuId).ThenBy(r => r.SellerId))
        {
            var row = await StockStore.TryChangeAsync(connection, transaction, reservation.SkuId, reservation.SellerId, 0, -reservation.Quantity, cancellationToken)
                ?? throw new InvalidOperationException($"Stock of {reservation.SkuId}/{reservation.SellerId} holds less than reservation {reservation.Id}.");
            await StockStore.RecordAsync(connection, transaction, row, "expire", 0, -reservation.Quantity, cancellationToken, reservationId: reservation.Id, flashSaleId: reservation.FlashSaleId);
        }

        await transaction.CommitAsync(cancellationToken);
        LogExpired(due.Count, onlyId is null ? "sweeper" : "keyspace notification");
        return due.Count;
    }

    private async Task<ReservationRecord?> FindByKeyAsync(Guid holderId, string key, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM reservations WHERE holder_id = $1 AND idempotency_key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = holderId });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        return await ReadAsync(command, cancellationToken);
    }

    internal static async Task<ReservationRecord?> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    internal static ReservationRecord Map(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetGuid(1),
        reader.GetGuid(2),
        reader.GetGuid(3),
        reader.GetInt32(4),
        reader.GetString(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetInt32(7),
        reader.IsDBNull(8) ? null : reader.GetGuid(8),
        reader.IsDBNull(9) ? null : reader.GetGuid(9));

    [LoggerMessage(LogLevel.Debug, "Expired {Count} reservations ({Trigger})")]
    private partial void LogExpired(int count, string trigger);
}
