namespace AspireShop.Seller.API.Apis;

/// <summary>An amount in major units (19.99) of <see cref="Currency"/>; the ledger keeps exact cents.</summary>
public sealed record CurrencyAmount(string Currency, decimal Amount);

/// <summary>What the platform owes a seller now, per currency (none until its first sale).</summary>
public sealed record SellerBalanceResponse(Guid SellerId, string Account, IReadOnlyList<CurrencyAmount> Balances, DateTimeOffset AsOf);

/// <summary>
/// A statement period: <see cref="From"/> inclusive, <see cref="To"/> exclusive, ISO 8601 (a date alone is midnight UTC);
/// by default the current month so far.
/// </summary>
public sealed record StatementQuery(string? From, string? To, int? Page, int? PageSize);

/// <summary>
/// One posting on the seller's account: <see cref="Amount"/> is what it added to (or, reversed, took from) the balance,
/// out of <see cref="Gross"/> the buyer paid less <see cref="Commission"/>.
/// </summary>
public sealed record StatementLine(
    Guid EntryId,
    Guid OrderId,
    string Kind,
    string Currency,
    decimal Amount,
    decimal Gross,
    decimal Commission,
    int CommissionBasisPoints,
    string? Reason,
    DateTimeOffset BookedAt);

/// <summary>
/// The seller's account over a period: balance at its start, its postings (by booking time, one page of them), and the
/// balance at its end (<see cref="Closing"/> = <see cref="Opening"/> + every posting of the period, not only this page's).
/// </summary>
public sealed record StatementResponse(
    Guid SellerId,
    string Account,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<CurrencyAmount> Opening,
    IReadOnlyList<CurrencyAmount> Closing,
    int Total,
    int Page,
    int PageSize,
    IReadOnlyList<StatementLine> Postings);

/// <summary>One account's balance: the sum of all its postings.</summary>
public sealed record TrialBalanceLine(string Account, string Currency, decimal Balance, int Postings);

/// <summary>Every account's balance and, per currency, the grand total, which double entry keeps at zero (<see cref="Balanced"/>).</summary>
public sealed record TrialBalanceResponse(IReadOnlyList<TrialBalanceLine> Accounts, IReadOnlyList<CurrencyAmount> Totals, bool Balanced, DateTimeOffset AsOf);

public sealed record ParkedRefundQuery(int? Page, int? PageSize);

/// <summary>
/// A refund the ledger holds back because its order was never confirmed here (yet): Payment's payment, the order, the
/// refund's reason (<c>seller:&lt;id&gt;</c> names <see cref="SellerId"/>), and, when it does not match the order's parts,
/// the <see cref="Problem"/>.
/// </summary>
public sealed record ParkedRefundResponse(
    Guid PaymentId,
    Guid OrderId,
    string Reason,
    Guid? SellerId,
    decimal Amount,
    string Currency,
    DateTimeOffset ParkedAt,
    string? Problem);

/// <summary>One page of the open parked refunds, oldest first, and how many there are in all.</summary>
public sealed record ParkedRefundList(int Total, int Page, int PageSize, IReadOnlyList<ParkedRefundResponse> Items);
