using AspireShop.BuildingBlocks.Outbox;
using AspireShop.BuildingBlocks.Workers;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.API.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireShop.Ordering.API.Services;

/// <summary>
/// The saga's deadlines: an order whose step is overdue gets its command sent again (a lost command or reply, a broker
/// that restarted empty). Due rows are taken with FOR UPDATE SKIP LOCKED, so several instances share the work and
/// never re-send the same order twice at once. After its last re-send an order is parked as needs-attention (a metric
/// and a warning) until an admin retries it: never dropped, never asked about forever.
/// </summary>
public sealed partial class OrderSagaTimer(
    IServiceScopeFactory scopes, TimeProvider clock, IOptions<OrderingOptions> options, OrderingMetrics metrics, ILoggerFactory loggers, ILogger<OrderSagaTimer> logger)
    : PeriodicWorker(nameof(OrderSagaTimer), clock, loggers)
{
    protected override TimeSpan Interval => options.Value.SagaTimerInterval;

    protected override int BatchSize => options.Value.SagaTimerBatchSize;

    protected override Task<int> RunRoundAsync(CancellationToken cancellationToken) => ResendDueAsync(cancellationToken);

    public async Task<int> ResendDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrderingContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = Clock.GetUtcNow();
        var due = await db.Database.SqlQuery<Guid>(
            $"""
            SELECT id AS "Value" FROM orders
            WHERE saga_deadline_at IS NOT NULL AND saga_deadline_at <= {now}
            ORDER BY saga_deadline_at LIMIT {options.Value.SagaTimerBatchSize}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        var orders = await db.Orders.Where(o => due.Contains(o.Id)).ToListAsync(cancellationToken);
        foreach (var order in orders)
        {
            RecordLag(now - order.DeadlineAt!.Value);
            var messages = OrderSaga.Resend(order, now, options.Value.SagaMaxResends);
            foreach (var message in messages)
            {
                db.AddOutboxEvent(message);
            }

            if (order.NeedsAttentionAt is not null)
            {
                metrics.Parked(order.Step);
                LogParked(order.Id, order.Step, order.StepAttempts);
            }
            else if (messages.Count > 0)
            {
                metrics.Resent(order.Step);
                LogResent(order.Id, order.Step, order.StepAttempts);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: {Step} overdue, command sent again (attempt {Attempt})")]
    private partial void LogResent(Guid orderId, SagaStep step, int attempt);

    [LoggerMessage(LogLevel.Warning, "Order {OrderId} needs attention: {Step} unanswered after {Attempts} re-sends; parked until an admin retries it")]
    private partial void LogParked(Guid orderId, SagaStep step, int attempts);
}
