namespace AspireShop.Seller.API.Domain.Ledger;

/// <summary>
/// One journal entry of the payout ledger: one seller's part of one order, captured (<see cref="EntryKind.Capture"/>) or
/// refunded (<see cref="EntryKind.Reversal"/>, exactly the capture's postings negated). Its <see cref="Postings"/> always
/// sum to zero: the factories refuse anything else, and so does the database at commit (a deferred constraint trigger).
/// Entries are never changed or deleted (the service's role may only insert them); a mistake is corrected by another entry.
/// </summary>
public sealed class JournalEntry
{
    public Guid Id { get; private set; }

    /// <summary>Whose part of the order this is; what row-level security matches.</summary>
    public Guid SellerId { get; private set; }

    public Guid OrderId { get; private set; }

    public string Kind { get; private set; } = EntryKind.Capture;

    /// <summary>The capture a reversal undoes; null for a capture.</summary>
    public Guid? ReversesEntryId { get; private set; }

    public string Currency { get; private set; } = "";

    /// <summary>What the buyer paid for the part, in minor units: positive for a capture, negative for its reversal.</summary>
    public long GrossMinor { get; private set; }

    /// <summary>The platform's commission on it, signed as <see cref="GrossMinor"/>.</summary>
    public long CommissionMinor { get; private set; }

    /// <summary>The seller's rate when the part was captured; its reversal returns exactly what that rate took.</summary>
    public int CommissionBasisPoints { get; private set; }

    /// <summary>Payment's refund reason for a reversal (<c>seller:&lt;id&gt;</c> or the order's full refund); null for a capture.</summary>
    public string? Reason { get; private set; }

    /// <summary>The event it was booked from (OrderConfirmed's or PaymentRefunded's id).</summary>
    public string SourceMessageId { get; private set; } = "";

    /// <summary>When the business event happened, as far as the ledger knows (the order's confirmation, or the booking).</summary>
    public DateTimeOffset OccurredAt { get; private set; }

    /// <summary>When the ledger booked it: statements are by booking time, so a closed period never changes.</summary>
    public DateTimeOffset BookedAt { get; private set; }

    public List<Posting> Postings { get; private set; } = [];

    /// <summary>
    /// A seller's part of a confirmed order: clearing −gross, the seller +(gross − commission), commission +commission;
    /// a zero amount (a 0 % or 100 % rate) is left out rather than posted.
    /// </summary>
    public static JournalEntry Capture(
        Guid id, Guid sellerId, Guid orderId, string currency, long grossMinor, int commissionBasisPoints, string messageId,
        DateTimeOffset occurredAt, DateTimeOffset bookedAt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(grossMinor);
        var commission = Commission.Of(grossMinor, commissionBasisPoints);
        var entry = new JournalEntry
        {
            Id = id,
            SellerId = sellerId,
            OrderId = orderId,
            Kind = EntryKind.Capture,
            Currency = currency,
            GrossMinor = grossMinor,
            CommissionMinor = commission,
            CommissionBasisPoints = commissionBasisPoints,
            SourceMessageId = messageId,
            OccurredAt = occurredAt,
            BookedAt = bookedAt,
        };
        entry.Post([
            (LedgerAccounts.Clearing, null, -grossMinor),
            (LedgerAccounts.Seller(sellerId), sellerId, grossMinor - commission),
            (LedgerAccounts.Commission, null, commission),
        ]);
        return entry;
    }

    /// <summary>This capture undone: the same accounts, the same amounts negated, booked now under the refund's reason.</summary>
    public JournalEntry Reverse(Guid id, string reason, string messageId, DateTimeOffset bookedAt)
    {
        if (Kind != EntryKind.Capture)
        {
            throw new InvalidOperationException($"Entry {Id} is a {Kind}; only a capture is reversed.");
        }

        var reversal = new JournalEntry
        {
            Id = id,
            SellerId = SellerId,
            OrderId = OrderId,
            Kind = EntryKind.Reversal,
            ReversesEntryId = Id,
            Currency = Currency,
            GrossMinor = -GrossMinor,
            CommissionMinor = -CommissionMinor,
            CommissionBasisPoints = CommissionBasisPoints,
            Reason = reason,
            SourceMessageId = messageId,
            OccurredAt = bookedAt,
            BookedAt = bookedAt,
        };
        reversal.Post([.. Postings.OrderBy(p => p.Line).Select(p => (p.Account, p.SellerId, -p.AmountMinor))]);
        return reversal;
    }

    private void Post(IReadOnlyList<(string Account, Guid? SellerId, long AmountMinor)> amounts)
    {
        var postings = amounts.Where(a => a.AmountMinor != 0).ToList();
        // Double entry: at least two sides, and together nothing created or lost.
        if (postings.Count < 2 || postings.Sum(p => p.AmountMinor) != 0)
        {
            throw new InvalidOperationException(
                $"Entry {Id} does not balance: {postings.Count} postings summing to {postings.Sum(p => p.AmountMinor)}.");
        }

        Postings = [.. postings.Select((p, i) => new Posting
        {
            EntryId = Id,
            Line = i + 1,
            Account = p.Account,
            SellerId = p.SellerId,
            AmountMinor = p.AmountMinor,
            Currency = Currency,
            BookedAt = BookedAt,
        })];
    }
}

/// <summary>One side of a <see cref="JournalEntry"/>: an amount (minor units, signed) on one account.</summary>
public sealed class Posting
{
    public Guid EntryId { get; init; }

    public int Line { get; init; }

    public required string Account { get; init; }

    /// <summary>Set on seller accounts only: platform accounts' rows are visible to no seller (row-level security).</summary>
    public Guid? SellerId { get; init; }

    public long AmountMinor { get; init; }

    public required string Currency { get; init; }

    /// <summary>The entry's booking time, kept here so statements read one table by account and time.</summary>
    public DateTimeOffset BookedAt { get; init; }
}

public static class EntryKind
{
    public const string Capture = "capture";
    public const string Reversal = "reversal";
}
