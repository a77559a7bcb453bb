using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.API.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireShop.Ordering.API.Services;

/// <summary>
/// The saga's deadlines: an order whose step is overdue gets its command sent again (a lost command or reply, a broker
/// that restarted empty). Due rows are taken with FOR UPDATE SKIP LOCKED, so several instances share the work and
/// never re-send the same order twice at once.
/// </summary>
public sealed partial class OrderSagaTimer(IServiceScopeFactory scopes, TimeProvider clock, IOptions<OrderingOptions> options, ILogger<OrderSagaTimer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SagaTimerInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await ResendDueAsync(stoppingToken) == options.Value.SagaTimerBatchSize)
                {
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(ex);
            }
        }
    }

    public async Task<int> ResendDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrderingContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
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
            foreach (var message in OrderSaga.Resend(order, now))
            {
                db.AddOutboxEvent(message);
            }

            LogResent(order.Id, order.Step, order.StepAttempts);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: {Step} overdue, command sent again (attempt {Attempt})")]
    private partial void LogResent(Guid orderId, SagaStep step, int attempt);

    [LoggerMessage(LogLevel.Warning, "Saga timer round failed; next round retries")]
    private partial void LogFailed(Exception ex);
}
