using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Fulfillment.API.Data;
using AspireShop.Fulfillment.API.Domain;
using AspireShop.Fulfillment.Contracts;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Fulfillment.API.Services;

/// <summary>
/// Reads and moves shipments as one tenant may: every query goes through <see cref="VisibleTo"/>, so a shipment of
/// another seller or buyer is simply not found. The database's row-level security, set for the same tenant, is the
/// second wall behind it.
/// </summary>
public sealed class ShipmentStore(FulfillmentContext db, TimeProvider clock)
{
    /// <summary>Concurrent moves of one shipment retry on fresh state this often before the caller is told to retry.</summary>
    private const int MaxAttempts = 5;

    public IQueryable<Shipment> VisibleTo(Tenant tenant) => tenant switch
    {
        { SeesAll: true } => db.Shipments,
        { SellerId: { } sellerId } => db.Shipments.Where(s => s.SellerId == sellerId),
        { BuyerId: { } buyerId } => db.Shipments.Where(s => s.BuyerId == buyerId),
        _ => db.Shipments.Where(_ => false),
    };

    public Task<Shipment?> FindAsync(Guid id, Tenant tenant, CancellationToken cancellationToken) =>
        VisibleTo(tenant).AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);

    public async Task<(List<Shipment> Items, int Total)> ListAsync(
        Tenant tenant, Guid? sellerId, string? status, int page, int pageSize, CancellationToken cancellationToken)
    {
        var shipments = VisibleTo(tenant).AsNoTracking();
        if (sellerId is { } seller)
        {
            shipments = shipments.Where(s => s.SellerId == seller);
        }

        if (status is not null)
        {
            shipments = shipments.Where(s => s.Status == status);
        }

        var total = await shipments.CountAsync(cancellationToken);
        var items = await shipments.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return (items, total);
    }

    public Task<List<Shipment>> ForOrderAsync(Guid orderId, Tenant tenant, CancellationToken cancellationToken) =>
        VisibleTo(tenant).AsNoTracking().Where(s => s.OrderId == orderId).OrderBy(s => s.CreatedAt).ThenBy(s => s.SellerId)
            .ToListAsync(cancellationToken);

    /// <summary>
    /// Applies <paramref name="move"/> to the shipment in one transaction with the events it publishes; a refused or
    /// repeated move writes nothing. A concurrent move (xmin) makes it read again and decide again.
    /// </summary>
    public async Task<MoveResult> MoveAsync(Guid id, Tenant tenant, Func<Shipment, DateTimeOffset, Transition> move, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await VisibleTo(tenant).SingleOrDefaultAsync(s => s.Id == id, cancellationToken) is not { } shipment)
            {
                return MoveResult.NotFound;
            }

            var transition = move(shipment, Now(clock));
            if (transition.Outcome != TransitionOutcome.Moved)
            {
                return new MoveResult(shipment, transition);
            }

            foreach (var shipmentEvent in transition.Events)
            {
                db.AddOutboxEvent(Publish(shipmentEvent));
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return new MoveResult(shipment, transition);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts)
            {
                await transaction.RollbackAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                return MoveResult.Contended;
            }
        }
    }

    /// <summary>
    /// One shipment per seller of a confirmed order, with the inbox record of the message in the same transaction.
    /// A seller that already has its shipment of the order gets none again (a re-sent event under a new id). Returns how
    /// many were created.
    /// </summary>
    public async Task<int> CreateForOrderAsync(IReadOnlyList<Shipment> shipments, Guid orderId, string consumer, string messageId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.TryRecordInboxAsync(consumer, messageId, cancellationToken))
        {
            return 0;
        }

        var existing = await db.Shipments.Where(s => s.OrderId == orderId).Select(s => s.SellerId).ToListAsync(cancellationToken);
        var created = shipments.Where(s => !existing.Contains(s.SellerId)).ToList();
        foreach (var shipment in created)
        {
            db.Shipments.Add(shipment);
            db.AddOutboxEvent(Publish(shipment.Created()));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return created.Count;
    }

    /// <summary>
    /// The whole order was cancelled: each of its shipments not yet shipped is cancelled with <paramref name="reason"/>
    /// and publishes <c>ShipmentCancelled</c> (OrderCancelled), all with the inbox record of the message in one
    /// transaction. One already cancelled stays as it is; a shipped or delivered one stays too and is returned for the
    /// caller to report. A concurrent move (xmin) fails the whole transaction, which the consumer host retries.
    /// </summary>
    public async Task<OrderCancellation> CancelForOrderAsync(Guid orderId, string reason, string consumer, string messageId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.TryRecordInboxAsync(consumer, messageId, cancellationToken))
        {
            return OrderCancellation.AlreadyHandled;
        }

        var now = Now(clock);
        var shipments = await db.Shipments.Where(s => s.OrderId == orderId).OrderBy(s => s.SellerId).ToListAsync(cancellationToken);
        var cancelled = new List<Shipment>();
        var left = new List<Shipment>();
        foreach (var shipment in shipments)
        {
            var transition = shipment.Cancel(reason, now, orderCancelled: true);
            if (transition.Outcome == TransitionOutcome.Refused)
            {
                left.Add(shipment);
                continue;
            }

            foreach (var shipmentEvent in transition.Events)
            {
                db.AddOutboxEvent(Publish(shipmentEvent));
            }

            if (transition.Outcome == TransitionOutcome.Moved)
            {
                cancelled.Add(shipment);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new OrderCancellation(shipments.Count, cancelled, left);
    }

    /// <summary>
    /// Now, at the microsecond Postgres stores: the answer to a move, its event and every later read of it carry the
    /// same instant, so a repeated move answers exactly what the first one did.
    /// </summary>
    public static DateTimeOffset Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    // Keyed by order: Ordering, Payment and Inventory see one order's shipments in the order they happened.
    private static OutboxEvent Publish(ShipmentEvent shipmentEvent) =>
        OutboxEvent.Create(ShipmentEvent.AggregateType, shipmentEvent.OrderId.ToString(), shipmentEvent, shipmentEvent.GetType().Name);
}

/// <summary>
/// What a move found: no such shipment for the caller (<see cref="Shipment"/> null), one too contended to move now
/// (<see cref="Busy"/>), or the shipment as the move left it.
/// </summary>
public sealed record MoveResult(Shipment? Shipment, Transition? Transition, bool Busy = false)
{
    public static readonly MoveResult NotFound = new(null, null);

    public static readonly MoveResult Contended = new(null, null, Busy: true);
}

/// <summary>
/// What cancelling an order's shipments did: of its <see cref="Shipments"/>, the ones it <see cref="Cancelled"/> now and
/// the ones <see cref="Left"/> as they were because they had shipped; nothing when the message was handled before.
/// </summary>
public sealed record OrderCancellation(int Shipments, IReadOnlyList<Shipment> Cancelled, IReadOnlyList<Shipment> Left, bool Repeated = false)
{
    public static readonly OrderCancellation AlreadyHandled = new(0, [], [], Repeated: true);
}
