using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Inventory.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace AspireShop.Inventory.API.Services;

/// <summary>A stock row as a change left it.</summary>
public sealed record StockRow(Guid SkuId, Guid SellerId, int OnHand, int Reserved, int Available, long Version);

/// <summary>
/// The guarded SQL every stock change goes through: one conditional UPDATE whose WHERE states that the new counts are
/// legal (so concurrent callers can never oversell and nothing is read then written), followed in the same transaction
/// by the movement row and the outbox event.
/// </summary>
public static class StockStore
{
    private const string Columns = "sku_id, seller_id, on_hand, reserved, available, version";

    /// <summary>
    /// Applies the deltas if the result keeps on_hand ≥ reserved ≥ 0; null when it would not (or no row exists). New
    /// holds pass <paramref name="offeredOnly"/>: units go out only for an offer Catalog still publishes.
    /// </summary>
    public static async Task<StockRow?> TryChangeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid skuId, Guid sellerId, int onHandDelta, int reservedDelta, CancellationToken cancellationToken,
        bool offeredOnly = false)
    {
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE stock SET on_hand = on_hand + $3, reserved = reserved + $4, version = version + 1, updated_at = now()
            WHERE sku_id = $1 AND seller_id = $2 AND on_hand + $3 >= reserved + $4 AND reserved + $4 >= 0{(offeredOnly ? " AND offered" : "")}
            RETURNING {Columns}
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        command.Parameters.Add(new NpgsqlParameter { Value = onHandDelta });
        command.Parameters.Add(new NpgsqlParameter { Value = reservedDelta });
        return await ReadRowAsync(command, cancellationToken);
    }

    /// <summary>Sets on-hand of an offered SKU unless that would drop it below what is reserved; null otherwise.</summary>
    public static async Task<StockRow?> TrySetOnHandAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid skuId, Guid sellerId, int onHand, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE stock SET on_hand = $3, version = version + 1, updated_at = now()
            WHERE sku_id = $1 AND seller_id = $2 AND offered AND reserved <= $3
            RETURNING {Columns}
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        command.Parameters.Add(new NpgsqlParameter { Value = onHand });
        return await ReadRowAsync(command, cancellationToken);
    }

    /// <summary>
    /// Catalog published the offer (as of <paramref name="lsn"/>): creates the row with <paramref name="onHand"/> if none
    /// exists (returned, so the caller records it), or marks an existing one offered again. An older event changes nothing.
    /// </summary>
    public static async Task<StockRow?> OfferedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid skuId, Guid sellerId, int onHand, long lsn, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO stock (sku_id, seller_id, on_hand, reserved, version, updated_at, offered, offer_lsn) VALUES ($1, $2, $3, 0, 1, now(), true, $4)
            ON CONFLICT (sku_id, seller_id) DO UPDATE SET offered = true, offer_lsn = excluded.offer_lsn
            WHERE stock.offer_lsn IS NULL OR stock.offer_lsn < excluded.offer_lsn
            RETURNING {Columns}, (xmax = 0) AS created
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        command.Parameters.Add(new NpgsqlParameter { Value = onHand });
        command.Parameters.Add(new NpgsqlParameter { Value = lsn });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && reader.GetBoolean(6) ? Map(reader) : null;
    }

    /// <summary>Catalog withdrew the offer (as of <paramref name="lsn"/>): no new stock or holds; its units stay where they are.</summary>
    public static async Task WithdrawnAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid skuId, Guid sellerId, long lsn, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE stock SET offered = false, offer_lsn = $3 WHERE sku_id = $1 AND seller_id = $2 AND (offer_lsn IS NULL OR offer_lsn < $3)",
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        command.Parameters.Add(new NpgsqlParameter { Value = lsn });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Whether Catalog publishes the offer, as far as Inventory has heard.</summary>
    public static async Task<bool> IsOfferedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT offered FROM stock WHERE sku_id = $1 AND seller_id = $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public static async Task<StockRow?> FindAsync(NpgsqlDataSource dataSource, Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM stock WHERE sku_id = $1 AND seller_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        return await ReadRowAsync(command, cancellationToken);
    }

    public static async Task<StockRow?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM stock WHERE sku_id = $1 AND seller_id = $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        return await ReadRowAsync(command, cancellationToken);
    }

    /// <summary>The movement row and the availability event of a change, in one round trip inside its transaction.</summary>
    public static async Task RecordAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        StockRow row,
        string kind,
        int? onHandDelta,
        int reservedDelta,
        CancellationToken cancellationToken,
        Guid? reservationId = null,
        Guid? flashSaleId = null,
        string? reason = null)
    {
        var change = new AvailabilityChanged(row.SkuId, row.SellerId, row.Available, row.Version, DateTimeOffset.UtcNow);
        var outboxEvent = OutboxEvent.Create(AvailabilityChanged.AggregateType, change.AggregateId, change);
        await using (var movement = new NpgsqlCommand(
            """
            INSERT INTO stock_movements (sku_id, seller_id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, version, reservation_id, flash_sale_id, reason)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """,
            connection,
            transaction))
        {
            movement.Parameters.Add(new NpgsqlParameter { Value = row.SkuId });
            movement.Parameters.Add(new NpgsqlParameter { Value = row.SellerId });
            movement.Parameters.Add(new NpgsqlParameter { Value = kind });
            movement.Parameters.Add(new NpgsqlParameter { Value = (object?)onHandDelta ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            movement.Parameters.Add(new NpgsqlParameter { Value = reservedDelta });
            movement.Parameters.Add(new NpgsqlParameter { Value = row.OnHand });
            movement.Parameters.Add(new NpgsqlParameter { Value = row.Reserved });
            movement.Parameters.Add(new NpgsqlParameter { Value = row.Version });
            movement.Parameters.Add(new NpgsqlParameter { Value = (object?)reservationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            movement.Parameters.Add(new NpgsqlParameter { Value = (object?)flashSaleId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            movement.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar });
            await movement.ExecuteNonQueryAsync(cancellationToken);
        }

        await OutboxWriter.WriteAsync(connection, transaction, outboxEvent, cancellationToken);
    }

    private static async Task<StockRow?> ReadRowAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    private static StockRow Map(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt64(5));
}
