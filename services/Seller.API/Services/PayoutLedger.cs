using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Domain;
using AspireShop.Seller.API.Domain.Ledger;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Seller.API.Services;

/// <summary>One seller's part of a confirmed order: what the buyer paid for its lines, in minor units.</summary>
public sealed record CapturedPart(Guid SellerId, long GrossMinor);

/// <summary>A refund as the ledger books it: Payment's reason and amount (minor units).</summary>
public sealed record LedgerRefund(Guid OrderId, Guid PaymentId, string Reason, Guid? SellerId, long AmountMinor, string Currency);

public enum RefundOutcome
{
    /// <summary>The parts it refunded are reversed.</summary>
    Booked,

    /// <summary>It refunded nothing (0), or its reason was booked before: nothing to do.</summary>
    NothingToBook,

    /// <summary>The ledger has not seen the order: parked until its confirmation arrives.</summary>
    Parked,

    /// <summary>Its amount or currency does not match the parts it names: booked nothing, an operator decides.</summary>
    Mismatch,
}

/// <summary>
/// Books order and refund events into the payout ledger, each in one transaction with its inbox record. The two arrive
/// on different topics, so each transaction first takes the order's advisory lock: a refund and its order's
/// confirmation never interleave, and a refund that finds no order is parked where the confirmation will find it.
/// Every part is keyed (order, seller, kind), so nothing is booked twice whatever is redelivered or re-sent.
/// </summary>
public sealed partial class PayoutLedger(SellerContext db, TimeProvider clock, ILogger<PayoutLedger> logger)
{
    // Serialises one order's bookings across both consumers; the transaction's end releases it.
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtextextended('payout-ledger:' || {0}::text, 0))";

    /// <summary>
    /// Books each part not booked before at its seller's commission (<see cref="Commission.DefaultBasisPoints"/> for a
    /// seller the service has no row for), then the order's parked refunds in arrival order. Returns the parts booked,
    /// or -1 when the message was handled before.
    /// </summary>
    public Task<int> BookOrderAsync(
        Guid orderId, string currency, IReadOnlyList<CapturedPart> parts, DateTimeOffset confirmedAt, string consumer, string messageId,
        CancellationToken cancellationToken) =>
        InTransactionAsync(orderId, consumer, messageId, async now =>
        {
            var booked = await db.JournalEntries.Where(e => e.OrderId == orderId && e.Kind == EntryKind.Capture)
                .Select(e => e.SellerId).ToListAsync(cancellationToken);
            var sellerIds = parts.Select(p => p.SellerId).ToList();
            var rates = await db.Sellers.AsNoTracking().Where(s => sellerIds.Contains(s.SellerId))
                .ToDictionaryAsync(s => s.SellerId, s => s.CommissionBasisPoints, cancellationToken);
            var created = 0;
            foreach (var part in parts.Where(p => p.GrossMinor > 0 && !booked.Contains(p.SellerId)))
            {
                if (!rates.TryGetValue(part.SellerId, out var rate))
                {
                    rate = Commission.DefaultBasisPoints;
                    LogUnknownSeller(part.SellerId, orderId, rate);
                }

                db.JournalEntries.Add(JournalEntry.Capture(
                    Guid.CreateVersion7(now), part.SellerId, orderId, currency, part.GrossMinor, rate, messageId, confirmedAt, now));
                created++;
            }

            await db.SaveChangesAsync(cancellationToken);

            var parked = await db.ParkedRefunds.Where(r => r.OrderId == orderId && r.AppliedAt == null)
                .OrderBy(r => r.Sequence).ToListAsync(cancellationToken);
            foreach (var refund in parked)
            {
                var (outcome, problem) = await ApplyRefundAsync(
                    new LedgerRefund(refund.OrderId, refund.PaymentId, refund.Reason, refund.SellerId, refund.AmountMinor, refund.Currency),
                    refund.MessageId, now, cancellationToken);
                // A parked refund that does not match stays parked with its problem; the confirmation itself is booked.
                if (outcome == RefundOutcome.Mismatch)
                {
                    refund.Problem = problem;
                    LogParkedMismatch(orderId, refund.Reason, problem!);
                }
                else
                {
                    refund.AppliedAt = now;
                    refund.Problem = null;
                }

                await db.SaveChangesAsync(cancellationToken);
            }

            return created;
        }, -1, cancellationToken);

    /// <summary>
    /// Reverses the parts <paramref name="refund"/> refunded, parks it when the order is not in the ledger yet. A
    /// mismatch writes nothing and returns its explanation (the handler dead-letters it). Null when handled before.
    /// </summary>
    public Task<(RefundOutcome Outcome, string? Problem)?> BookRefundAsync(LedgerRefund refund, string consumer, string messageId, CancellationToken cancellationToken) =>
        InTransactionAsync<(RefundOutcome, string?)?>(refund.OrderId, consumer, messageId, async now =>
        {
            var result = await ApplyRefundAsync(refund, messageId, now, cancellationToken);
            switch (result.Outcome)
            {
                case RefundOutcome.Mismatch:
                    // Rolled back with the inbox record: a replay from the dead letters is tried afresh.
                    throw new RefundMismatchException(result.Problem!);
                case RefundOutcome.Parked:
                    db.ParkedRefunds.Add(new ParkedRefund
                    {
                        OrderId = refund.OrderId,
                        PaymentId = refund.PaymentId,
                        Reason = refund.Reason,
                        SellerId = refund.SellerId,
                        AmountMinor = refund.AmountMinor,
                        Currency = refund.Currency,
                        MessageId = messageId,
                        ParkedAt = now,
                    });
                    break;
            }

            await db.SaveChangesAsync(cancellationToken);
            return result;
        }, null, cancellationToken);

    /// <summary>
    /// A refund names whole parts: <c>seller:&lt;id&gt;</c> that seller's, any other reason every part not reversed yet.
    /// Its amount must be exactly those parts' gross (Payment refunds a seller's part whole, and a full refund what is
    /// left); 0 means Payment refunded nothing, so nothing is reversed.
    /// </summary>
    private async Task<(RefundOutcome Outcome, string? Problem)> ApplyRefundAsync(
        LedgerRefund refund, string messageId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entries = await db.JournalEntries.Include(e => e.Postings).Where(e => e.OrderId == refund.OrderId).ToListAsync(cancellationToken);
        var captures = entries.Where(e => e.Kind == EntryKind.Capture).ToList();
        if (captures.Count == 0)
        {
            return await db.ParkedRefunds.AnyAsync(r => r.OrderId == refund.OrderId && r.Reason == refund.Reason, cancellationToken)
                ? (RefundOutcome.NothingToBook, null)
                : (RefundOutcome.Parked, null);
        }

        var reversals = entries.Where(e => e.Kind == EntryKind.Reversal).ToList();
        if (reversals.Any(r => r.Reason == refund.Reason))
        {
            return (RefundOutcome.NothingToBook, null);
        }

        if (refund.SellerId is { } named && captures.All(c => c.SellerId != named))
        {
            return (RefundOutcome.Mismatch, $"Refund '{refund.Reason}' of order {refund.OrderId} names a seller with no part in the order.");
        }

        if (refund.AmountMinor == 0)
        {
            return (RefundOutcome.NothingToBook, null);
        }

        var open = captures
            .Where(c => refund.SellerId is not { } seller || c.SellerId == seller)
            .Where(c => reversals.All(r => r.ReversesEntryId != c.Id))
            .ToList();
        var expected = open.Sum(c => c.GrossMinor);
        if (open.Any(c => c.Currency != refund.Currency) || expected != refund.AmountMinor)
        {
            return (RefundOutcome.Mismatch,
                $"Refund '{refund.Reason}' of order {refund.OrderId} is {refund.AmountMinor} {refund.Currency} minor units; " +
                $"the parts it names not refunded yet are {expected} {string.Join("/", open.Select(c => c.Currency).Distinct())}.");
        }

        foreach (var capture in open)
        {
            db.JournalEntries.Add(capture.Reverse(Guid.CreateVersion7(now), refund.Reason, messageId, now));
        }

        return (RefundOutcome.Booked, null);
    }

    private async Task<T> InTransactionAsync<T>(
        Guid orderId, string consumer, string messageId, Func<DateTimeOffset, Task<T>> work, T duplicate, CancellationToken cancellationToken)
    {
        // EF's retrying strategy replays the whole transaction on a transient failure, never half of it.
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync(LockSql, [orderId], cancellationToken);
            if (!await db.TryRecordInboxAsync(consumer, messageId, cancellationToken))
            {
                return duplicate;
            }

            var result = await work(Now(clock));
            await transaction.CommitAsync(cancellationToken);
            return result;
        });
    }

    /// <summary>Now at the microsecond Postgres stores, so what is booked reads back exactly.</summary>
    public static DateTimeOffset Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    [LoggerMessage(LogLevel.Warning, "Seller {SellerId} of order {OrderId} has no seller row: charged the default commission of {BasisPoints} basis points")]
    private partial void LogUnknownSeller(Guid sellerId, Guid orderId, int basisPoints);

    [LoggerMessage(LogLevel.Error, "A parked refund of order {OrderId} ({Reason}) does not match the order and stays parked: {Problem}")]
    private partial void LogParkedMismatch(Guid orderId, string reason, string problem);
}

/// <summary>A refund whose amount or currency does not match the parts it names: the ledger books none of it.</summary>
public sealed class RefundMismatchException(string message) : Exception(message);
