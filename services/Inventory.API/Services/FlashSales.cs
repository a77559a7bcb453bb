using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Data.Schema;
using Npgsql;

namespace AspireShop.Inventory.API.Services;

public sealed record FlashSaleRecord(
    Guid Id, Guid SkuId, Guid SellerId, int Quantity, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Status,
    int Confirmed, int? HeldAtClose, int? Returned, int? RedisRemainingAtClose, DateTimeOffset? ClosedAt);

public abstract record OpenSaleOutcome
{
    public sealed record Opened(FlashSaleRecord Sale) : OpenSaleOutcome;

    public sealed record UnknownSku : OpenSaleOutcome;

    public sealed record OutOfStock(int Available) : OpenSaleOutcome;

    public sealed record AlreadyOpen : OpenSaleOutcome;
}

/// <summary>What a close found: Postgres' counts after the write-back drained, and whether Redis agreed exactly.</summary>
public sealed record CloseReport(FlashSaleRecord Sale, int WrittenBack, bool Reconciled);

/// <summary>Opening and closing flash sales: the Postgres side of <see cref="FlashSaleCounter"/>.</summary>
public sealed partial class FlashSales(InventoryDatabase db, FlashSaleCounter counter, FlashSaleWriteBack writeBack, ILogger<FlashSales> logger)
{
    private const string Columns =
        "id, sku_id, seller_id, quantity, starts_at, ends_at, status, confirmed, held_at_close, returned, redis_remaining_at_close, closed_at";

    /// <summary>
    /// Moves <paramref name="quantity"/> from available into reserved (the sale's allocation) in Postgres first, then
    /// arms the Redis counter: a counter without its allocation could oversell, an allocation without a counter only
    /// idles until the close returns it.
    /// </summary>
    public async Task<OpenSaleOutcome> OpenAsync(
        Guid skuId, Guid sellerId, int quantity, DateTimeOffset startsAt, DateTimeOffset endsAt, Tenant tenant, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        FlashSaleRecord sale;
        await using (var connection = await db.OpenConnectionAsync(tenant, cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var row = await StockStore.TryChangeAsync(connection, transaction, skuId, sellerId, 0, quantity, cancellationToken, offeredOnly: true);
            if (row is null)
            {
                var current = await StockStore.FindAsync(connection, transaction, skuId, sellerId, cancellationToken);
                var offered = current is not null && await StockStore.IsOfferedAsync(connection, transaction, skuId, sellerId, cancellationToken);
                await transaction.RollbackAsync(cancellationToken);
                return offered ? new OpenSaleOutcome.OutOfStock(current!.Available) : new OpenSaleOutcome.UnknownSku();
            }

            try
            {
                await using var insert = new NpgsqlCommand(
                    $"""
                    INSERT INTO flash_sales (id, sku_id, seller_id, quantity, starts_at, ends_at, status, confirmed, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, 'active', 0, now())
                    RETURNING {Columns}
                    """,
                    connection,
                    transaction);
                insert.Parameters.Add(new NpgsqlParameter { Value = id });
                insert.Parameters.Add(new NpgsqlParameter { Value = skuId });
                insert.Parameters.Add(new NpgsqlParameter { Value = sellerId });
                insert.Parameters.Add(new NpgsqlParameter { Value = quantity });
                insert.Parameters.Add(new NpgsqlParameter { Value = startsAt });
                insert.Parameters.Add(new NpgsqlParameter { Value = endsAt });
                sale = (await ReadAsync(insert, cancellationToken))!;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                return new OpenSaleOutcome.AlreadyOpen();
            }

            await StockStore.RecordAsync(connection, transaction, row, "flash_open", 0, quantity, cancellationToken, flashSaleId: id);
            await transaction.CommitAsync(cancellationToken);
        }

        await counter.OpenAsync(id, skuId, sellerId, quantity, startsAt, endsAt);
        return new OpenSaleOutcome.Opened(sale);
    }

    public async Task<FlashSaleRecord?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM flash_sales WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>Rows written back for the sale and the units its active flash holds keep, per Postgres.</summary>
    public async Task<(int Rows, int Held)> CountAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT count(*)::int, coalesce(sum(quantity) FILTER (WHERE status = 'active'), 0)::int FROM reservations WHERE flash_sale_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>
    /// Stops the counter (no script changes the sale afterwards), drains the write-back so Postgres has every decision,
    /// then returns allocation − confirmed − still-held units to ordinary stock in one transaction with its event.
    /// Closing a closed sale returns it unchanged.
    /// </summary>
    public async Task<CloseReport?> CloseAsync(Guid id, Tenant tenant, CancellationToken cancellationToken)
    {
        var sale = await FindAsync(id, cancellationToken);
        if (sale is null)
        {
            return null;
        }

        if (sale.Status == FlashSaleStatus.Closed)
        {
            return new CloseReport(sale, (await CountAsync(id, cancellationToken)).Rows, sale.Returned == sale.RedisRemainingAtClose);
        }

        // Throws when Redis is unreachable: closing behind a counter that may come back active could sell twice.
        var redisState = await counter.CloseAsync(id, sale.SkuId, sale.SellerId);
        if (redisState is null)
        {
            LogRedisLostSale(id);
        }

        await writeBack.DrainAsync(cancellationToken);

        await using var connection = await db.OpenConnectionAsync(tenant, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockSale = new NpgsqlCommand($"SELECT {Columns} FROM flash_sales WHERE id = $1 AND status = 'active' FOR UPDATE", connection, transaction))
        {
            lockSale.Parameters.Add(new NpgsqlParameter { Value = id });
            if (await ReadAsync(lockSale, cancellationToken) is not { } locked)
            {
                // Another instance closed it meanwhile.
                await transaction.RollbackAsync(cancellationToken);
                return await CloseAsync(id, tenant, cancellationToken);
            }

            sale = locked;
        }

        int held;
        await using (var sum = new NpgsqlCommand(
            "SELECT coalesce(sum(quantity), 0)::int FROM reservations WHERE flash_sale_id = $1 AND status = 'active'", connection, transaction))
        {
            sum.Parameters.Add(new NpgsqlParameter { Value = id });
            held = (int)(await sum.ExecuteScalarAsync(cancellationToken))!;
        }

        var returned = sale.Quantity - sale.Confirmed - held;
        if (returned < 0)
        {
            LogNegativeReturn(id, sale.Quantity, sale.Confirmed, held);
            returned = 0;
        }

        var row = await StockStore.TryChangeAsync(connection, transaction, sale.SkuId, sale.SellerId, 0, -returned, cancellationToken)
            ?? throw new InvalidOperationException($"Stock of {sale.SkuId}/{sale.SellerId} holds less than flash sale {id}'s allocation.");
        await StockStore.RecordAsync(connection, transaction, row, "flash_close", 0, -returned, cancellationToken, flashSaleId: id, reason: $"sold {sale.Confirmed}, held {held}");

        await using (var close = new NpgsqlCommand(
            $"""
            UPDATE flash_sales SET status = 'closed', held_at_close = $2, returned = $3, redis_remaining_at_close = $4, closed_at = now()
            WHERE id = $1 RETURNING {Columns}
            """,
            connection,
            transaction))
        {
            close.Parameters.Add(new NpgsqlParameter { Value = id });
            close.Parameters.Add(new NpgsqlParameter { Value = held });
            close.Parameters.Add(new NpgsqlParameter { Value = returned });
            close.Parameters.Add(new NpgsqlParameter { Value = (object?)redisState?.Remaining ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            sale = (await ReadAsync(close, cancellationToken))!;
        }

        await transaction.CommitAsync(cancellationToken);
        var reconciled = redisState is not null && redisState.Remaining == returned && redisState.Confirmed == sale.Confirmed;
        if (!reconciled)
        {
            LogMismatch(id, redisState?.Remaining, returned, redisState?.Confirmed, sale.Confirmed);
        }

        return new CloseReport(sale, (await CountAsync(id, cancellationToken)).Rows, reconciled);
    }

    /// <summary>Open sales whose window has passed, for the write-back worker to close.</summary>
    public async Task<IReadOnlyList<Guid>> EndedAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT id FROM flash_sales WHERE status = 'active' AND ends_at <= now()");
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private static async Task<FlashSaleRecord?> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new FlashSaleRecord(
            reader.GetGuid(0),
            reader.GetGuid(1),
            reader.GetGuid(2),
            reader.GetInt32(3),
            reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetString(6),
            reader.GetInt32(7),
            reader.IsDBNull(8) ? null : reader.GetInt32(8),
            reader.IsDBNull(9) ? null : reader.GetInt32(9),
            reader.IsDBNull(10) ? null : reader.GetInt32(10),
            reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11));
    }

    [LoggerMessage(LogLevel.Warning, "Flash sale {SaleId}: Redis no longer knows the sale; reconciling from Postgres alone")]
    private partial void LogRedisLostSale(Guid saleId);

    [LoggerMessage(LogLevel.Error, "Flash sale {SaleId}: allocation {Quantity} < confirmed {Confirmed} + held {Held}; returning nothing")]
    private partial void LogNegativeReturn(Guid saleId, int quantity, int confirmed, int held);

    [LoggerMessage(LogLevel.Warning, "Flash sale {SaleId}: Redis remaining {RedisRemaining} vs returned {Returned}, Redis confirmed {RedisConfirmed} vs {Confirmed}")]
    private partial void LogMismatch(Guid saleId, int? redisRemaining, int returned, int? redisConfirmed, int confirmed);
}
