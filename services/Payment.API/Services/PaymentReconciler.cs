using AspireShop.BuildingBlocks.Workers;
using AspireShop.Payment.API.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Payment.API.Services;

/// <summary>
/// Interrogates the source of truth: every charge or refund whose outcome is unknown (a timeout, a reset, a crash
/// between the provider's commit and ours) is asked about again with its own idempotency key — never guessed, never
/// charged twice — on a full-jitter backoff that honours the provider's Retry-After. Items are leased (claimed with
/// SKIP LOCKED for one lease), so several instances share the work; the provider bulkhead bounds calls at once. An item
/// that never gets an answer is parked as needs-attention, with a metric, until an operator retries it.
/// </summary>
public sealed partial class PaymentReconciler(
    IServiceScopeFactory scopes, TimeProvider clock, IOptions<PaymentOptions> options, ILoggerFactory loggers, ILogger<PaymentReconciler> logger)
    : PeriodicWorker(nameof(PaymentReconciler), clock, loggers)
{
    protected override TimeSpan Interval => options.Value.ReconcileInterval;

    protected override int BatchSize => options.Value.ReconcileBatchSize;

    protected override Task<int> RunRoundAsync(CancellationToken cancellationToken) => ReconcileDueAsync(cancellationToken);

    /// <summary>One round: lease what fell due and ask the provider about each; returns how many were leased.</summary>
    public async Task<int> ReconcileDueAsync(CancellationToken cancellationToken)
    {
        List<Guid> payments, refunds;
        await using (var scope = scopes.CreateAsyncScope())
        {
            (payments, refunds) = await scope.ServiceProvider.GetRequiredService<PaymentStore>().ClaimDueAsync(cancellationToken);
        }

        await Task.WhenAll([
            .. payments.Select(id => ReconcileAsync(id, (processor, ct) => processor.ReconcileChargeAsync(id, ct), cancellationToken)),
            .. refunds.Select(id => ReconcileAsync(id, (processor, ct) => processor.ReconcileRefundAsync(id, ct), cancellationToken)),
        ]);
        return payments.Count + refunds.Count;
    }

    private async Task ReconcileAsync(Guid id, Func<PaymentProcessor, CancellationToken, Task> reconcile, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await reconcile(scope.ServiceProvider.GetRequiredService<PaymentProcessor>(), cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The lease runs out and the item falls due again: a database hiccup costs one lease, never the item.
            LogItemFailed(ex, id);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Reconciling {Id} failed; it is asked about again when its lease ends")]
    private partial void LogItemFailed(Exception ex, Guid id);
}
