using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Payment.API.Data;
using AspireShop.Payment.API.Domain;
using AspireShop.Payment.API.Extensions;
using AspireShop.Payment.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireShop.Payment.API.Services;

/// <summary>
/// Who asked: a command (answered with the recorded outcome, once per message id), another service's event or a
/// provider webhook (neither is answered: a reply leaves only with the change that settles something, so once per
/// refund). Each is deduplicated by its inbox row.
/// </summary>
public sealed record Receipt(string Consumer, string MessageId, bool AnswersCommand)
{
    public const string WebhookConsumer = "provider-webhooks";

    public static Receipt Command(string consumer, string messageId) => new(consumer, messageId, AnswersCommand: true);

    public static Receipt Event(string consumer, string messageId) => new(consumer, messageId, AnswersCommand: false);

    public static Receipt Webhook(string eventId) => new(WebhookConsumer, eventId, AnswersCommand: false);
}

/// <summary>When the PaymentReconciler asks again, or that it stops asking (<see cref="Park"/>: needs attention).</summary>
public sealed record RetrySchedule(DateTimeOffset At, bool Park);

/// <summary>A payment or refund the reconciler gave up on, for an operator.</summary>
public sealed record ParkedItem(Guid Id, Guid OrderId, string Status, int Attempts, DateTimeOffset Since);

public sealed record ParkedWork(IReadOnlyList<ParkedItem> Payments, IReadOnlyList<ParkedItem> Refunds);

/// <summary>What the provider says a charge came to: <see cref="PaymentStatus.Succeeded"/> or <see cref="PaymentStatus.Failed"/>.</summary>
public sealed record ChargeSettlement(string Status, string? IntentId, decimal Captured, string? FailureReason)
{
    public static ChargeSettlement Succeeded(string intentId, decimal captured) => new(PaymentStatus.Succeeded, intentId, captured, null);

    public static ChargeSettlement Failed(string reason, string? intentId) => new(PaymentStatus.Failed, intentId, 0m, reason);
}

/// <summary>
/// Every state change of payments and refunds, each one short transaction of guarded updates (never one held open
/// across a provider call): claim, settle or mark unknown, and the reply to the saga in the outbox with the inbox
/// record of the message that asked.
/// </summary>
public sealed class PaymentStore(PaymentContext db, TimeProvider clock, IOptions<PaymentOptions> options)
{
    public Task<bool> WasHandledAsync(Receipt receipt, CancellationToken cancellationToken) =>
        db.Set<InboxEntry>().AnyAsync(e => e.Consumer == receipt.Consumer && e.MessageId == receipt.MessageId, cancellationToken);

    public Task<OrderPayment?> FindAsync(Guid orderId, CancellationToken cancellationToken) =>
        db.Payments.AsNoTracking().Include(p => p.Refunds.OrderBy(r => r.CreatedAt)).SingleOrDefaultAsync(p => p.OrderId == orderId, cancellationToken);

    public Task<OrderPayment?> FindByIntentAsync(string intentId, CancellationToken cancellationToken) =>
        db.Payments.AsNoTracking().FirstOrDefaultAsync(p => p.ProviderIntentId == intentId, cancellationToken);

    /// <summary>
    /// Creates the order's payment if absent (filling in a payment fenced before its charge arrived) and claims its
    /// charge: <c>Claimed</c> means this caller, and only it, calls the provider now.
    /// </summary>
    public async Task<(OrderPayment Payment, bool Claimed)> ClaimChargeAsync(ChargePayment command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO payments (id, order_id, buyer_id, amount, currency, payment_method, status, created_at, updated_at)
            VALUES ({Guid.CreateVersion7()}, {command.OrderId}, {command.BuyerId}, {command.Amount}, {command.Currency.ToUpperInvariant()},
                    {command.PaymentMethod}, {PaymentStatus.Requested}, {now}, {now})
            ON CONFLICT (order_id) DO UPDATE SET buyer_id = excluded.buyer_id, amount = excluded.amount, currency = excluded.currency,
                payment_method = excluded.payment_method, updated_at = excluded.updated_at
            WHERE payments.amount IS NULL
            """, cancellationToken);
        var claimed = await ClaimChargeAsync(p => p.OrderId == command.OrderId, fromRequested: true, now, cancellationToken);
        var payment = await db.Payments.AsNoTracking().SingleAsync(p => p.OrderId == command.OrderId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (payment, claimed);
    }

    /// <summary>Claims a charge whose outcome is not known yet (UNKNOWN, or PROCESSING by a worker past its lease).</summary>
    public Task<bool> ClaimUnsettledChargeAsync(Guid paymentId, CancellationToken cancellationToken) =>
        ClaimChargeAsync(p => p.Id == paymentId, fromRequested: false, clock.GetUtcNow(), cancellationToken);

    private async Task<bool> ClaimChargeAsync(
        System.Linq.Expressions.Expression<Func<OrderPayment, bool>> which, bool fromRequested, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var abandoned = now - options.Value.ClaimLease;
        return await db.Payments.Where(which)
            .Where(p => (fromRequested && p.Status == PaymentStatus.Requested) || p.Status == PaymentStatus.Unknown
                || (p.Status == PaymentStatus.Processing && p.ClaimedAt < abandoned))
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, PaymentStatus.Processing)
                .SetProperty(p => p.ClaimedAt, now)
                .SetProperty(p => p.NextAttemptAt, now + options.Value.ClaimLease)
                .SetProperty(p => p.UpdatedAt, now), cancellationToken) == 1;
    }

    /// <summary>
    /// Applies the provider's answer to a charge still in flight (PROCESSING or UNKNOWN: a final payment never moves
    /// back). The reply leaves with the change when this call settled it, or when a command asked.
    /// </summary>
    public async Task<(OrderPayment Payment, bool Settled)> SettleChargeAsync(
        Guid paymentId, ChargeSettlement settlement, Receipt? receipt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var settled = await db.Payments
            .Where(p => p.Id == paymentId && (p.Status == PaymentStatus.Processing || p.Status == PaymentStatus.Unknown))
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, settlement.Status)
                .SetProperty(p => p.FailureReason, settlement.FailureReason)
                .SetProperty(p => p.CapturedAmount, settlement.Captured)
                .SetProperty(p => p.ProviderIntentId, p => settlement.IntentId ?? p.ProviderIntentId)
                .SetProperty(p => p.ClaimedAt, (DateTimeOffset?)null)
                .SetProperty(p => p.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(p => p.NeedsAttentionAt, (DateTimeOffset?)null)
                .SetProperty(p => p.UpdatedAt, now), cancellationToken) == 1;
        var payment = await db.Payments.AsNoTracking().SingleAsync(p => p.Id == paymentId, cancellationToken);
        await ReplyAsync(ChargeReply(payment), settled, receipt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (payment, settled);
    }

    /// <summary>
    /// The call's outcome is unknown: the claim is released and the PaymentReconciler asks again with the same key at
    /// <paramref name="retry"/>'s time, or the payment is parked. The command that asked is recorded as handled: the
    /// reply leaves when the payment settles, whoever settles it.
    /// </summary>
    public async Task MarkChargeUnknownAsync(Guid paymentId, RetrySchedule retry, Receipt? receipt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Payments.Where(p => p.Id == paymentId && p.Status == PaymentStatus.Processing)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, PaymentStatus.Unknown)
                .SetProperty(p => p.ClaimedAt, (DateTimeOffset?)null)
                .SetProperty(p => p.NextAttemptAt, retry.At)
                .SetProperty(p => p.NeedsAttentionAt, retry.Park ? now : null)
                .SetProperty(p => p.UpdatedAt, now), cancellationToken);
        await ReplyAsync(reply: null, settled: false, receipt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// A refund before any charge: an absent or REQUESTED payment becomes FAILED (<c>cancelled</c>), so a charge
    /// arriving later captures nothing. Returns the payment as it is afterwards, fenced or not.
    /// </summary>
    public async Task<OrderPayment> FenceAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO payments (id, order_id, status, failure_reason, created_at, updated_at)
            VALUES ({Guid.CreateVersion7()}, {orderId}, {PaymentStatus.Failed}, {PaymentFailureReasons.Cancelled}, {now}, {now})
            ON CONFLICT (order_id) DO NOTHING
            """, cancellationToken);
        await db.Payments.Where(p => p.OrderId == orderId && p.Status == PaymentStatus.Requested)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, PaymentStatus.Failed)
                .SetProperty(p => p.FailureReason, PaymentFailureReasons.Cancelled)
                .SetProperty(p => p.UpdatedAt, now), cancellationToken);
        var payment = await db.Payments.AsNoTracking().SingleAsync(p => p.OrderId == orderId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return payment;
    }

    /// <summary>
    /// The refund of <paramref name="reason"/>, created once with <paramref name="amount"/> capped at what is left of the
    /// capture (null: all that is left), its amount added to the payment's refunded amount by a guarded update in the
    /// same transaction (under the payment's row lock, so refunds for other reasons queue behind it). <c>Claimed</c>
    /// means this caller, and only it, calls the provider now. <c>Settled</c> means nothing was left to return, so the
    /// refund was created settled, its reply and the <paramref name="receipt"/> recorded with it: nothing more to do.
    /// </summary>
    public async Task<(Refund Refund, bool Claimed, bool Settled)> OpenRefundAsync(
        Guid paymentId, string reason, decimal? amount, Receipt? receipt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT id FROM payments WHERE id = {paymentId} FOR UPDATE", cancellationToken);
        var existing = await db.Refunds.AsNoTracking().SingleOrDefaultAsync(r => r.PaymentId == paymentId && r.Reason == reason, cancellationToken);
        if (existing is not null)
        {
            var abandoned = now - options.Value.ClaimLease;
            var claimed = await db.Refunds
                .Where(r => r.Id == existing.Id && r.Status != RefundStatus.Succeeded && (r.ClaimedAt == null || r.ClaimedAt < abandoned))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.ClaimedAt, now)
                    .SetProperty(r => r.NextAttemptAt, now + options.Value.ClaimLease)
                    .SetProperty(r => r.UpdatedAt, now), cancellationToken) == 1;
            await transaction.CommitAsync(cancellationToken);
            return (existing, claimed, false);
        }

        // A failed payment captured nothing, so its refund is one of nothing: settled here, never sent to the provider.
        var payment = await db.Payments.AsNoTracking()
            .SingleAsync(p => p.Id == paymentId && (p.Status == PaymentStatus.Succeeded || p.Status == PaymentStatus.Failed), cancellationToken);
        var left = payment.CapturedAmount - payment.RefundedAmount;
        var refunded = amount is { } asked ? Math.Min(asked, left) : left;
        var refund = new Refund
        {
            Id = Guid.CreateVersion7(),
            PaymentId = paymentId,
            Reason = reason,
            Amount = refunded,
            // Nothing left to return (another reason's refund took it): settled without a provider call.
            Status = refunded > 0 ? RefundStatus.Requested : RefundStatus.Succeeded,
            ClaimedAt = refunded > 0 ? now : null,
            NextAttemptAt = refunded > 0 ? now + options.Value.ClaimLease : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Refunds.Add(refund);
        await db.SaveChangesAsync(cancellationToken);
        var added = await db.Payments.Where(p => p.Id == paymentId && p.RefundedAmount + refunded <= p.CapturedAmount)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.RefundedAmount, p => p.RefundedAmount + refunded)
                .SetProperty(p => p.UpdatedAt, now), cancellationToken);
        if (added != 1)
        {
            throw new InvalidOperationException($"Refund {reason} of payment {paymentId} would exceed its capture.");
        }

        if (refunded == 0)
        {
            await ReplyAsync(RefundReply(payment, refund), settled: true, receipt, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (refund, refunded > 0, refunded == 0);
    }

    /// <summary>The provider refunded: the refund is settled and the saga told, with the inbox record of the command.</summary>
    public async Task<bool> SettleRefundAsync(OrderPayment payment, Refund refund, string? providerRefundId, Receipt? receipt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var settled = await db.Refunds.Where(r => r.Id == refund.Id && r.Status != RefundStatus.Succeeded)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RefundStatus.Succeeded)
                .SetProperty(r => r.ProviderRefundId, providerRefundId)
                .SetProperty(r => r.ClaimedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(r => r.NeedsAttentionAt, (DateTimeOffset?)null)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken) == 1;
        await ReplyAsync(RefundReply(payment, refund), settled, receipt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return settled;
    }

    /// <summary>As <see cref="MarkChargeUnknownAsync"/>, for a refund: the reconciler repeats it with the same key.</summary>
    public async Task MarkRefundUnknownAsync(Guid refundId, RetrySchedule retry, Receipt? receipt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Refunds.Where(r => r.Id == refundId && r.Status != RefundStatus.Succeeded)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RefundStatus.Unknown)
                .SetProperty(r => r.ClaimedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.NextAttemptAt, retry.At)
                .SetProperty(r => r.NeedsAttentionAt, retry.Park ? now : null)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        await ReplyAsync(reply: null, settled: false, receipt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The PaymentReconciler's lease: payments and refunds that fell due (unknown, or claimed by a worker past its
    /// lease, which a crash leaves behind) are claimed for one more lease, their attempt counted. SKIP LOCKED and the
    /// claim itself keep two instances off the same item.
    /// </summary>
    public async Task<(List<Guid> Payments, List<Guid> Refunds)> ClaimDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var leaseEnd = now + options.Value.ClaimLease;
        var batch = options.Value.ReconcileBatchSize;
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var payments = await db.Database.SqlQuery<Guid>($"""
            UPDATE payments SET status = {PaymentStatus.Processing}, claimed_at = {now}, next_attempt_at = {leaseEnd},
                reconcile_attempts = reconcile_attempts + 1, updated_at = {now}
            WHERE id IN (
                SELECT id FROM payments
                WHERE status IN ({PaymentStatus.Processing}, {PaymentStatus.Unknown}) AND needs_attention_at IS NULL AND next_attempt_at <= {now}
                ORDER BY next_attempt_at LIMIT {batch}
                FOR UPDATE SKIP LOCKED)
            RETURNING id AS "Value"
            """).ToListAsync(cancellationToken);
        var refunds = await db.Database.SqlQuery<Guid>($"""
            UPDATE refunds SET claimed_at = {now}, next_attempt_at = {leaseEnd}, reconcile_attempts = reconcile_attempts + 1, updated_at = {now}
            WHERE id IN (
                SELECT id FROM refunds
                WHERE status IN ({RefundStatus.Requested}, {RefundStatus.Unknown}) AND needs_attention_at IS NULL AND next_attempt_at <= {now}
                ORDER BY next_attempt_at LIMIT {batch}
                FOR UPDATE SKIP LOCKED)
            RETURNING id AS "Value"
            """).ToListAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (payments, refunds);
    }

    /// <summary>
    /// A refund still open here that the provider says it made: due for the reconciler within
    /// <see cref="RefundPromptGrace"/> instead of after its worker's lease. The grace lets a live worker that just got
    /// its answer record it, so only a dead worker's refund is asked about again.
    /// </summary>
    public async Task<bool> MakeRefundDueAsync(string intentId, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var soon = now + RefundPromptGrace;
        db.ChangeTracker.Clear();
        return await db.Refunds
            .Where(r => r.Reason == reason && r.Status != RefundStatus.Succeeded && r.NeedsAttentionAt == null && r.NextAttemptAt > soon
                && db.Payments.Any(p => p.Id == r.PaymentId && p.ProviderIntentId == intentId))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextAttemptAt, soon).SetProperty(r => r.UpdatedAt, now), cancellationToken) == 1;
    }

    public static readonly TimeSpan RefundPromptGrace = TimeSpan.FromSeconds(5);

    public Task<OrderPayment> GetAsync(Guid paymentId, CancellationToken cancellationToken) =>
        db.Payments.AsNoTracking().SingleAsync(p => p.Id == paymentId, cancellationToken);

    public Task<Refund> GetRefundAsync(Guid refundId, CancellationToken cancellationToken) =>
        db.Refunds.AsNoTracking().SingleAsync(r => r.Id == refundId, cancellationToken);

    /// <summary>Parked payments and refunds, oldest first: what an operator looks at.</summary>
    public async Task<ParkedWork> ParkedAsync(CancellationToken cancellationToken) => new(
        await db.Payments.AsNoTracking().Where(p => p.NeedsAttentionAt != null).OrderBy(p => p.NeedsAttentionAt)
            .Select(p => new ParkedItem(p.Id, p.OrderId, p.Status, p.ReconcileAttempts, p.NeedsAttentionAt!.Value)).ToListAsync(cancellationToken),
        await db.Refunds.AsNoTracking().Where(r => r.NeedsAttentionAt != null).OrderBy(r => r.NeedsAttentionAt)
            .Join(db.Payments, r => r.PaymentId, p => p.Id, (r, p) => new ParkedItem(r.Id, p.OrderId, r.Status, r.ReconcileAttempts, r.NeedsAttentionAt!.Value))
            .ToListAsync(cancellationToken));

    /// <summary>An operator's retry: every parked item is due now, with a fresh count of attempts.</summary>
    public async Task<int> RetryParkedAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var payments = await db.Payments.Where(p => p.NeedsAttentionAt != null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.NeedsAttentionAt, (DateTimeOffset?)null)
                .SetProperty(p => p.NextAttemptAt, now)
                .SetProperty(p => p.ReconcileAttempts, 0)
                .SetProperty(p => p.UpdatedAt, now), cancellationToken);
        var refunds = await db.Refunds.Where(r => r.NeedsAttentionAt != null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.NeedsAttentionAt, (DateTimeOffset?)null)
                .SetProperty(r => r.NextAttemptAt, now)
                .SetProperty(r => r.ReconcileAttempts, 0)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        return payments + refunds;
    }

    /// <summary>Answers a command with an outcome already recorded, or just records a webhook that changed nothing.</summary>
    public async Task AnswerAsync(Receipt receipt, PaymentEvent? reply, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await ReplyAsync(reply, settled: false, receipt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The outcome a final payment answers its charge with; null while it has none.</summary>
    public static PaymentEvent? ChargeReply(OrderPayment payment) => payment.Status switch
    {
        PaymentStatus.Succeeded => new PaymentSucceeded(payment.OrderId, payment.Id, payment.CapturedAmount, payment.Currency ?? ""),
        PaymentStatus.Failed => new PaymentFailed(payment.OrderId, payment.Id, payment.FailureReason ?? PaymentFailureReasons.Declined),
        _ => null,
    };

    public static PaymentRefunded RefundReply(OrderPayment payment, Refund refund) =>
        new(payment.OrderId, payment.Id, refund.Amount, payment.Currency ?? "", refund.Reason);

    private async Task ReplyAsync(PaymentEvent? reply, bool settled, Receipt? receipt, CancellationToken cancellationToken)
    {
        var recorded = receipt is not null && await db.TryRecordInboxAsync(receipt.Consumer, receipt.MessageId, cancellationToken);
        if (reply is not null && (settled || (recorded && receipt!.AnswersCommand)))
        {
            // The base type, so the "outcome" discriminator is in the payload the saga reads.
            db.AddOutboxEvent(OutboxEvent.Create<PaymentEvent>(PaymentEvent.AggregateType, reply.OrderId.ToString(), reply, reply.GetType().Name));
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
