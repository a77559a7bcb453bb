using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Inventory.API.Data;
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
/// <summary>A stock change to record: its movement row and its availability event.</summary>
public sealed record Movement(
    StockRow Row, string Kind, int? OnHandDelta, int ReservedDelta, Guid? ReservationId = null, Guid? FlashSaleId = null, string? Reason = null);

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
    /// What Catalog's offer events do to stock, applied in order in one round trip: a published offer (as of its lsn)
    /// creates the row with <paramref name="onHand"/> if none exists, or marks an existing one offered again; a withdrawn
    /// one stops new stock and holds (its units stay where they are). An older event changes nothing. Returns the rows
    /// created, for the caller to record.
    /// </summary>
    public static async Task<List<StockRow>> ApplyOfferChangesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<(Guid SkuId, Guid SellerId, bool Withdrawn, long Lsn)> changes, int onHand,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (skuId, sellerId, withdrawn, lsn) in changes)
        {
            var command = new NpgsqlBatchCommand(withdrawn
                ? $"""
                  UPDATE stock SET offered = false, offer_lsn = $3 WHERE sku_id = $1 AND seller_id = $2 AND (offer_lsn IS NULL OR offer_lsn < $3)
                  RETURNING {Columns}, false AS created
                  """
                : $"""
                  INSERT INTO stock (sku_id, seller_id, on_hand, reserved, version, updated_at, offered, offer_lsn) VALUES ($1, $2, $4, 0, 1, now(), true, $3)
                  ON CONFLICT (sku_id, seller_id) DO UPDATE SET offered = true, offer_lsn = excluded.offer_lsn
                  WHERE stock.offer_lsn IS NULL OR stock.offer_lsn < excluded.offer_lsn
                  RETURNING {Columns}, (xmax = 0) AS created
                  """);
            command.Parameters.Add(new NpgsqlParameter { Value = skuId });
            command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
            command.Parameters.Add(new NpgsqlParameter { Value = lsn });
            if (!withdrawn)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = onHand });
            }

            batch.BatchCommands.Add(command);
        }

        var created = new List<StockRow>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetBoolean(6))
                {
                    created.Add(Map(reader));
                }
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return created;
    }

    /// <summary>Whether Catalog publishes the offer, as far as Inventory has heard.</summary>
    public static async Task<bool> IsOfferedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT offered FROM stock WHERE sku_id = $1 AND seller_id = $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public static async Task<StockRow?> FindAsync(InventoryDatabase db, Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM stock WHERE sku_id = $1 AND seller_id = $2");
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
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddRecord(batch, new Movement(row, kind, onHandDelta, reservedDelta, reservationId, flashSaleId, reason));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The same for many changes, in one round trip.</summary>
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Movement> movements, CancellationToken cancellationToken)
    {
        if (movements.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var movement in movements)
        {
            AddRecord(batch, movement);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddRecord(NpgsqlBatch batch, Movement m)
    {
        var row = m.Row;
        var change = new AvailabilityChanged(row.SkuId, row.SellerId, row.Available, row.Version, DateTimeOffset.UtcNow);
        var movement = new NpgsqlBatchCommand(
            """
            INSERT INTO stock_movements (sku_id, seller_id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, version, reservation_id, flash_sale_id, reason)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """);
        movement.Parameters.Add(new NpgsqlParameter { Value = row.SkuId });
        movement.Parameters.Add(new NpgsqlParameter { Value = row.SellerId });
        movement.Parameters.Add(new NpgsqlParameter { Value = m.Kind });
        movement.Parameters.Add(new NpgsqlParameter { Value = (object?)m.OnHandDelta ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        movement.Parameters.Add(new NpgsqlParameter { Value = m.ReservedDelta });
        movement.Parameters.Add(new NpgsqlParameter { Value = row.OnHand });
        movement.Parameters.Add(new NpgsqlParameter { Value = row.Reserved });
        movement.Parameters.Add(new NpgsqlParameter { Value = row.Version });
        movement.Parameters.Add(new NpgsqlParameter { Value = (object?)m.ReservationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        movement.Parameters.Add(new NpgsqlParameter { Value = (object?)m.FlashSaleId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        movement.Parameters.Add(new NpgsqlParameter { Value = (object?)m.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar });
        batch.BatchCommands.Add(movement);
        batch.BatchCommands.Add(OutboxWriter.CreateBatchCommand(OutboxEvent.Create(AvailabilityChanged.AggregateType, change.AggregateId, change)));
    }

    private static async Task<StockRow?> ReadRowAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    private static StockRow Map(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt64(5));
}
