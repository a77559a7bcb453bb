using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Inventory.API.Data;
using AspireShop.Inventory.API.Data.Schema;
using AspireShop.Inventory.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace AspireShop.Inventory.API.Services;

/// <summary>
/// Inventory's side of the OrderSaga. Each command is one transaction holding the inbox record, the order's record
/// (<c>order_stock</c>, locked first so commands of one order never interleave), every stock change with its movement
/// and availability event, and the reply to the saga. An order owns its holds through <c>reservations.order_id</c> (the
/// semantic lock): the sweeper, the expiry prompt and the cart's paths in <see cref="Reservations"/> leave them alone.
/// A command repeated under a new message id (the saga's timers) publishes the recorded outcome again; a redelivery of
/// the same message changes and publishes nothing, since its reply was committed with its inbox record.
/// </summary>
public sealed partial class OrderReservations(InventoryDatabase db, ReservationMirror mirror, ILogger<OrderReservations> logger)
{
    /// <summary>The inbox consumer name of the order commands.</summary>
    public const string Consumer = "inventory.order-stock";

    private const string LinesSavepoint = "order_lines";

    /// <summary>
    /// All lines or none: each line takes over the buyer's named cart hold when it still can, else reserves again from
    /// stock; if any line lacks stock everything is rolled back (the cart's holds stay as they were) and the order is
    /// recorded rejected. An order already decided (or released first) answers with its record.
    /// </summary>
    public async Task ReserveAsync(ReserveOrderStock command, string messageId, CancellationToken cancellationToken)
    {
        Validate(command);
        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await Inbox.TryRecordAsync(connection, transaction, Consumer, messageId, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            LogRedelivered(command.OrderId, messageId);
            return;
        }

        if (!await TryCreateRecordAsync(connection, transaction, command.OrderId, command.BuyerId, OrderStockStatus.Reserved, cancellationToken))
        {
            var (status, reason) = await LockRecordAsync(connection, transaction, command.OrderId, cancellationToken)
                ?? throw new InvalidOperationException($"Order {command.OrderId} has no record after a conflicting insert.");
            OrderStockEvent outcome = status switch
            {
                OrderStockStatus.Reserved or OrderStockStatus.Committed => new OrderStockReserved(command.OrderId),
                OrderStockStatus.Released => new OrderStockRejected(command.OrderId, OrderStockRejected.Released),
                _ => new OrderStockRejected(command.OrderId, reason ?? OrderStockRejected.OutOfStock),
            };
            await ReplyAsync(connection, transaction, outcome, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogRepeated("reserve", command.OrderId, status);
            return;
        }

        await transaction.SaveAsync(LinesSavepoint, cancellationToken);
        var claimed = await TryReserveLinesAsync(connection, transaction, command, cancellationToken);
        if (claimed is null)
        {
            await transaction.RollbackAsync(LinesSavepoint, cancellationToken);
            await SetStatusAsync(connection, transaction, command.OrderId, OrderStockStatus.Rejected, OrderStockRejected.OutOfStock, cancellationToken);
            await ReplyAsync(connection, transaction, new OrderStockRejected(command.OrderId, OrderStockRejected.OutOfStock), cancellationToken);
        }
        else
        {
            await ReplyAsync(connection, transaction, new OrderStockReserved(command.OrderId), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (claimed is null)
        {
            LogRejected(command.OrderId, command.Lines.Count);
        }
        else
        {
            LogReserved(command.OrderId, command.Lines.Count, claimed.Count);
        }

        // The mirrors only prompt expiry, which an order's hold no longer has.
        foreach (var id in claimed ?? [])
        {
            await mirror.RemoveAsync(id);
        }
    }

    /// <summary>The order's holds become a sale (on-hand and reserved both drop); never short of stock, the units are held.</summary>
    public async Task CommitAsync(Guid orderId, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await Inbox.TryRecordAsync(connection, transaction, Consumer, messageId, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            LogRedelivered(orderId, messageId);
            return;
        }

        // Commands of one order share a partition, so a commit before any reserve means the reserve never came: nothing
        // true can be answered, and a retry would not change that.
        var (status, reason) = await LockRecordAsync(connection, transaction, orderId, cancellationToken)
            ?? throw new PoisonMessageException($"Commit of order {orderId}, which Inventory never reserved.");
        switch (status)
        {
            case OrderStockStatus.Reserved:
                await using (var confirm = new NpgsqlCommand(
                    $"""
                    UPDATE reservations SET status = 'confirmed', updated_at = now()
                    WHERE order_id = $1 AND status = 'active'
                    RETURNING {Reservations.Columns}
                    """,
                    connection,
                    transaction))
                {
                    confirm.Parameters.Add(new NpgsqlParameter { Value = orderId });
                    foreach (var sold in Sorted(await ReadAllAsync(confirm, cancellationToken)))
                    {
                        await Reservations.SellAsync(connection, transaction, sold, cancellationToken);
                    }
                }

                await SetStatusAsync(connection, transaction, orderId, OrderStockStatus.Committed, null, cancellationToken);
                await ReplyAsync(connection, transaction, new OrderStockCommitted(orderId), cancellationToken);
                LogCommitted(orderId);
                break;
            case OrderStockStatus.Committed:
                await ReplyAsync(connection, transaction, new OrderStockCommitted(orderId), cancellationToken);
                LogRepeated("commit", orderId, status);
                break;
            case OrderStockStatus.Released:
                await ReplyAsync(connection, transaction, new OrderStockReleased(orderId), cancellationToken);
                LogRepeated("commit", orderId, status);
                break;
            default:
                await ReplyAsync(connection, transaction, new OrderStockRejected(orderId, reason ?? OrderStockRejected.OutOfStock), cancellationToken);
                LogRepeated("commit", orderId, status);
                break;
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Compensation: held units go back on sale, sold ones back on hand (their holds become <c>returned</c>), and the
    /// order is recorded released, even when nothing was reserved yet, so a reserve arriving later holds nothing.
    /// </summary>
    public async Task ReleaseAsync(Guid orderId, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await Inbox.TryRecordAsync(connection, transaction, Consumer, messageId, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            LogRedelivered(orderId, messageId);
            return;
        }

        if (await TryCreateRecordAsync(connection, transaction, orderId, null, OrderStockStatus.Released, cancellationToken))
        {
            await ReplyAsync(connection, transaction, new OrderStockReleased(orderId), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogFenced(orderId);
            return;
        }

        var (status, _) = await LockRecordAsync(connection, transaction, orderId, cancellationToken)
            ?? throw new InvalidOperationException($"Order {orderId} has no record after a conflicting insert.");
        if (status is OrderStockStatus.Reserved or OrderStockStatus.Committed)
        {
            await ReturnUnitsAsync(connection, transaction, orderId, cancellationToken);
        }

        if (status != OrderStockStatus.Released)
        {
            await SetStatusAsync(connection, transaction, orderId, OrderStockStatus.Released, null, cancellationToken);
        }

        await ReplyAsync(connection, transaction, new OrderStockReleased(orderId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogReleased(orderId, status);
    }

    /// <summary>
    /// A seller cancelled its part of a committed order before shipping: the units sold of <paramref name="skuIds"/> by
    /// <paramref name="sellerId"/> in the order go back on hand, through the release's restock path, once (the inbox, and
    /// each hold turns <c>returned</c> only once). The order stays committed, so the saga's release of the whole order
    /// later restocks only the other parts. No reply: the saga did not ask. An order already released was restocked by
    /// its release; one never committed sold nothing to give back.
    /// </summary>
    public async Task RestockSellerPartAsync(Guid orderId, Guid sellerId, IReadOnlyList<Guid> skuIds, string consumer, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(Tenant.Everyone, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await Inbox.TryRecordAsync(connection, transaction, consumer, messageId, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            LogRedelivered(orderId, messageId);
            return;
        }

        // Locked first, as every command of the order is: the seller's restock and the saga's release never interleave.
        var (status, _) = await LockRecordAsync(connection, transaction, orderId, cancellationToken)
            ?? throw new PoisonMessageException($"Seller {sellerId} cancelled its part of order {orderId}, which Inventory never reserved.");
        var restocked = 0;
        if (status == OrderStockStatus.Committed)
        {
            restocked = await ReturnUnitsAsync(connection, transaction, orderId, cancellationToken, new SellerPart(sellerId, [.. skuIds.Distinct()]));
        }

        await transaction.CommitAsync(cancellationToken);
        switch (status)
        {
            case OrderStockStatus.Committed:
                LogSellerPartRestocked(orderId, sellerId, restocked);
                break;
            case OrderStockStatus.Released:
                LogSellerPartReleased(orderId, sellerId);
                break;
            default:
                LogSellerPartNeverSold(orderId, sellerId, status);
                break;
        }
    }

    /// <summary>The claimed hold ids, or null when a line lacked stock (the caller rolls the lines back).</summary>
    private static async Task<List<Guid>?> TryReserveLinesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ReserveOrderStock command, CancellationToken cancellationToken)
    {
        // Hold rows first, stock rows after in offer order: the sweeper takes holds without waiting (SKIP LOCKED) and
        // then stock in the same order, so neither can wait on the other in a cycle.
        var holds = await LockHoldsAsync(connection, transaction, [.. command.Lines.Select(l => l.ReservationId).OfType<Guid>().Distinct()], cancellationToken);
        var claimed = new List<Guid>();
        foreach (var line in command.Lines.OrderBy(l => l.SkuId).ThenBy(l => l.SellerId))
        {
            if (line.ReservationId is { } holdId && holds.TryGetValue(holdId, out var hold) && !claimed.Contains(holdId)
                && CanClaim(hold.Record, hold.NotInOpenFlashSale, line, command.BuyerId))
            {
                await ClaimAsync(connection, transaction, command.OrderId, hold.Record, line.Quantity, cancellationToken);
                claimed.Add(holdId);
            }
            else if (!await TryReserveAgainAsync(connection, transaction, command, line, cancellationToken))
            {
                return null;
            }
        }

        return claimed;
    }

    /// <summary>
    /// The buyer's own live hold for this offer, big enough and owned by no order. Past its expiry but not yet swept
    /// still counts (its units are still reserved); a flash hold of an open sale does not (its units are the counter's).
    /// </summary>
    private static bool CanClaim(ReservationRecord hold, bool notInOpenFlashSale, OrderStockLine line, Guid buyerId) =>
        hold.Status == ReservationStatus.Active && hold.OrderId is null && notInOpenFlashSale && hold.HolderId == buyerId
        && hold.SkuId == line.SkuId && hold.SellerId == line.SellerId && hold.Quantity >= line.Quantity;

    private static async Task<Dictionary<Guid, (ReservationRecord Record, bool NotInOpenFlashSale)>> LockHoldsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] ids, CancellationToken cancellationToken)
    {
        var holds = new Dictionary<Guid, (ReservationRecord, bool)>();
        if (ids.Length == 0)
        {
            return holds;
        }

        // Locked in id order, so two orders naming the same holds queue instead of deadlocking.
        await using var select = new NpgsqlCommand(
            $"SELECT {Reservations.Columns}, {Reservations.NotInOpenFlashSale} FROM reservations r WHERE r.id = ANY($1) ORDER BY r.id FOR UPDATE OF r",
            connection,
            transaction);
        select.Parameters.Add(new NpgsqlParameter { Value = ids });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var record = Reservations.Map(reader);
            holds[record.Id] = (record, reader.GetBoolean(10));
        }

        return holds;
    }

    /// <summary>The order takes the hold over; a hold larger than the line gives its surplus back to stock.</summary>
    private static async Task ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, ReservationRecord hold, int quantity, CancellationToken cancellationToken)
    {
        await using (var claim = new NpgsqlCommand(
            "UPDATE reservations SET order_id = $2, quantity = $3, updated_at = now() WHERE id = $1", connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = hold.Id });
            claim.Parameters.Add(new NpgsqlParameter { Value = orderId });
            claim.Parameters.Add(new NpgsqlParameter { Value = quantity });
            await claim.ExecuteNonQueryAsync(cancellationToken);
        }

        var surplus = hold.Quantity - quantity;
        if (surplus > 0)
        {
            var row = await StockStore.TryChangeAsync(connection, transaction, hold.SkuId, hold.SellerId, 0, -surplus, cancellationToken)
                ?? throw new InvalidOperationException($"Stock of {hold.SkuId}/{hold.SellerId} holds less than reservation {hold.Id}.");
            await StockStore.RecordAsync(
                connection, transaction, row, "resize", 0, -surplus, cancellationToken, reservationId: hold.Id, flashSaleId: hold.FlashSaleId, reason: OrderReason(orderId));
        }
    }

    /// <summary>A new hold owned by the order, taken with the guarded update (offered stock only); false when short.</summary>
    private static async Task<bool> TryReserveAgainAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ReserveOrderStock command, OrderStockLine line, CancellationToken cancellationToken)
    {
        var row = await StockStore.TryChangeAsync(connection, transaction, line.SkuId, line.SellerId, 0, line.Quantity, cancellationToken, offeredOnly: true);
        if (row is null)
        {
            return false;
        }

        var id = Guid.CreateVersion7();
        // No TTL: the order's commands end it, and expiry ignores rows with an order.
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO reservations (id, sku_id, seller_id, holder_id, quantity, status, ttl_seconds, expires_at, created_at, updated_at, order_id)
            VALUES ($1, $2, $3, $4, $5, 'active', 0, now(), now(), now(), $6)
            """,
            connection,
            transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = line.SkuId });
            insert.Parameters.Add(new NpgsqlParameter { Value = line.SellerId });
            insert.Parameters.Add(new NpgsqlParameter { Value = command.BuyerId });
            insert.Parameters.Add(new NpgsqlParameter { Value = line.Quantity });
            insert.Parameters.Add(new NpgsqlParameter { Value = command.OrderId });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await StockStore.RecordAsync(connection, transaction, row, "reserve", 0, line.Quantity, cancellationToken, reservationId: id, reason: OrderReason(command.OrderId));
        return true;
    }

    /// <summary>
    /// Active holds of the order are released (reserved drops); sold ones are restocked (on-hand rises). With
    /// <paramref name="part"/>, only the sold units of that seller's SKUs (its cancelled part); returns how many holds.
    /// </summary>
    private static async Task<int> ReturnUnitsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, CancellationToken cancellationToken, SellerPart? part = null)
    {
        await using var update = new NpgsqlCommand(
            $"""
            UPDATE reservations SET status = CASE status WHEN 'active' THEN 'released' ELSE 'returned' END, updated_at = now()
            WHERE order_id = $1 AND {(part is null ? "status IN ('active', 'confirmed')" : "status = 'confirmed' AND seller_id = $2 AND sku_id = ANY($3)")}
            RETURNING {Reservations.Columns}
            """,
            connection,
            transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = orderId });
        if (part is not null)
        {
            update.Parameters.Add(new NpgsqlParameter { Value = part.SellerId });
            update.Parameters.Add(new NpgsqlParameter { Value = part.SkuIds });
        }

        var reason = part is null ? OrderReason(orderId) : $"{OrderReason(orderId)}: seller {part.SellerId} cancelled its part";
        var movements = new List<Movement>();
        foreach (var hold in Sorted(await ReadAllAsync(update, cancellationToken)))
        {
            var q = hold.Quantity;
            var sold = hold.Status == ReservationStatus.Returned;
            // Restocked units go back on hand even if Catalog withdrew the offer meanwhile: they are on the shelf again.
            var row = await StockStore.TryChangeAsync(connection, transaction, hold.SkuId, hold.SellerId, sold ? q : 0, sold ? 0 : -q, cancellationToken)
                ?? throw new InvalidOperationException($"Stock of {hold.SkuId}/{hold.SellerId} holds less than reservation {hold.Id}.");
            movements.Add(new Movement(row, sold ? "restock" : "release", sold ? q : 0, sold ? 0 : -q, hold.Id, hold.FlashSaleId, reason));
        }

        await StockStore.RecordAsync(connection, transaction, movements, cancellationToken);
        return movements.Count;
    }

    /// <summary>Creates the order's record; false when it already has one (a concurrent insert is waited for first).</summary>
    private static async Task<bool> TryCreateRecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, Guid? buyerId, string status, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO order_stock (order_id, buyer_id, status, created_at, updated_at) VALUES ($1, $2, $3, now(), now())
            ON CONFLICT (order_id) DO NOTHING
            """,
            connection,
            transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = orderId });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)buyerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter { Value = status });
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<(string Status, string? Reason)?> LockRecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand("SELECT status, reason FROM order_stock WHERE order_id = $1 FOR UPDATE", connection, transaction);
        select.Parameters.Add(new NpgsqlParameter { Value = orderId });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    /// <summary>A null <paramref name="reason"/> keeps the recorded one (a rejected order released later still says why).</summary>
    private static async Task SetStatusAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, string status, string? reason, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand(
            "UPDATE order_stock SET status = $2, reason = coalesce($3, reason), updated_at = now() WHERE order_id = $1", connection, transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = orderId });
        update.Parameters.Add(new NpgsqlParameter { Value = status });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar });
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The reply, written as the base type so the <c>outcome</c> discriminator is in the JSON.</summary>
    private static Task ReplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OrderStockEvent reply, CancellationToken cancellationToken) =>
        OutboxWriter.WriteAsync(
            connection,
            transaction,
            OutboxEvent.Create<OrderStockEvent>(OrderStockEvent.AggregateType, reply.OrderId.ToString(), reply, type: reply.GetType().Name),
            cancellationToken);

    private static async Task<List<ReservationRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var records = new List<ReservationRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(Reservations.Map(reader));
        }

        return records;
    }

    // Stock rows are always taken in this order (as the sweeper does), so two changes never deadlock on them.
    private static IEnumerable<ReservationRecord> Sorted(IEnumerable<ReservationRecord> holds) => holds.OrderBy(h => h.SkuId).ThenBy(h => h.SellerId);

    private static string OrderReason(Guid orderId) => $"order {orderId}";

    /// <summary>A line of zero or fewer units would give stock back through the reserve path: refused before anything runs.</summary>
    private static void Validate(ReserveOrderStock command)
    {
        if (command.Lines.Count == 0 || command.Lines.Any(l => l.Quantity < 1))
        {
            throw new PoisonMessageException($"Reserve of order {command.OrderId} needs at least one line and a positive quantity on each.");
        }
    }

    [LoggerMessage(LogLevel.Debug, "Order {OrderId}: message {MessageId} was handled before; nothing to do")]
    private partial void LogRedelivered(Guid orderId, string messageId);

    [LoggerMessage(LogLevel.Debug, "Order {OrderId}: repeated {Command} answered from its record ({Status})")]
    private partial void LogRepeated(string command, Guid orderId, string status);

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: {Lines} lines reserved ({Claimed} cart holds taken over)")]
    private partial void LogReserved(Guid orderId, int lines, int claimed);

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: rejected, a line of {Lines} lacks stock; nothing reserved")]
    private partial void LogRejected(Guid orderId, int lines);

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: committed")]
    private partial void LogCommitted(Guid orderId);

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: released (was {Status})")]
    private partial void LogReleased(Guid orderId, string status);

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: released before any reserve; a later reserve holds nothing")]
    private partial void LogFenced(Guid orderId);

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: seller {SellerId} cancelled its part; {Holds} sold hold(s) restocked")]
    private partial void LogSellerPartRestocked(Guid orderId, Guid sellerId, int holds);

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: seller {SellerId} cancelled its part of an order already released, which restocked it")]
    private partial void LogSellerPartReleased(Guid orderId, Guid sellerId);

    [LoggerMessage(LogLevel.Warning, "Order {OrderId}: seller {SellerId} cancelled its part of an order that is {Status}, never sold; nothing to restock")]
    private partial void LogSellerPartNeverSold(Guid orderId, Guid sellerId, string status);

    /// <summary>One seller's SKUs in an order: what its cancelled part sold.</summary>
    private sealed record SellerPart(Guid SellerId, Guid[] SkuIds);
}
