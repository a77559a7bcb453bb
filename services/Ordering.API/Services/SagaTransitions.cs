using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Ordering.API.Services;

/// <summary>
/// Applies one move of the <see cref="OrderSaga"/> in one local transaction: the inbox record of the message that
/// caused it, the order row (optimistic concurrency) and the outbox messages it sends. A conflicting move throws, and
/// the caller (the consumer host's retry) tries again on fresh state.
/// </summary>
public sealed partial class SagaTransitions(OrderingContext db, TimeProvider clock, ILogger<SagaTransitions> logger)
{
    public async Task ApplyAsync(
        Guid orderId, string consumer, string messageId, Func<Order, DateTimeOffset, IReadOnlyList<OutboxEvent>> move, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.TryRecordInboxAsync(consumer, messageId, cancellationToken))
        {
            return;
        }

        var order = await db.Orders.SingleOrDefaultAsync(o => o.Id == orderId, cancellationToken);
        if (order is null)
        {
            // Another deployment's order (shared topic) or one rolled back before commit: nothing to move.
            LogUnknownOrder(orderId, consumer);
        }
        else
        {
            foreach (var message in move(order, clock.GetUtcNow()))
            {
                db.AddOutboxEvent(message);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Warning, "Reply for unknown order {OrderId} on {Consumer} ignored")]
    private partial void LogUnknownOrder(Guid orderId, string consumer);
}
