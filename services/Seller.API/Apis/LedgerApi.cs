using System.Security.Claims;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Domain.Ledger;
using AspireShop.Seller.API.Extensions;
using AspireShop.Seller.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Seller.API.Apis;

/// <summary>
/// The payout ledger as its readers see it: a seller its own balance and statements (<c>/me</c>), an admin any seller's,
/// the trial balance and the refunds parked for an order not seen yet. A seller naming another seller's id gets 404,
/// from the check here and, behind it, from row-level security, which shows a seller only its own postings and nobody
/// but the platform the platform's accounts.
/// </summary>
public static class LedgerApi
{
    public static IEndpointRouteBuilder MapLedgerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sellers").WithTags("Payout ledger").RequireAuthorization();
        api.MapGet("/me/balance", GetMyBalanceAsync).RequireAuthorization(AspireShopPolicies.Seller).WithName("GetMyPayoutBalance");
        api.MapGet("/me/statements", GetMyStatementAsync).RequireAuthorization(AspireShopPolicies.Seller).WithName("GetMyPayoutStatement");
        api.MapGet("/{id:guid}/balance", GetBalanceAsync).RequireAuthorization(SellerPolicies.SellerOrAdmin).WithName("GetSellerPayoutBalance");
        api.MapGet("/{id:guid}/statements", GetStatementAsync).RequireAuthorization(SellerPolicies.SellerOrAdmin).WithName("GetSellerPayoutStatement");
        api.MapGet("/ledger/trial-balance", GetTrialBalanceAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("GetPayoutTrialBalance");
        api.MapGet("/ledger/parked-refunds", GetParkedRefundsAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("ListParkedRefunds");
        return app;
    }

    public static async Task<Ok<SellerBalanceResponse>> GetMyBalanceAsync(
        ClaimsPrincipal caller, SellerContext db, TimeProvider clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(await BalanceAsync(caller.GetSellerId()!.Value, db, clock, cancellationToken));

    public static Task<Results<Ok<StatementResponse>, ValidationProblem, NotFound>> GetMyStatementAsync(
        [AsParameters] StatementQuery query, ClaimsPrincipal caller, SellerContext db, TimeProvider clock, CancellationToken cancellationToken) =>
        StatementAsync(caller.GetSellerId()!.Value, query, db, clock, cancellationToken);

    /// <summary>An admin reads any seller's balance, a seller only its own: another's id is 404, as if it did not exist.</summary>
    public static async Task<Results<Ok<SellerBalanceResponse>, NotFound>> GetBalanceAsync(
        Guid id, ClaimsPrincipal caller, SellerContext db, TimeProvider clock, CancellationToken cancellationToken) =>
        caller.CanActForSeller(id) ? TypedResults.Ok(await BalanceAsync(id, db, clock, cancellationToken)) : TypedResults.NotFound();

    public static async Task<Results<Ok<StatementResponse>, ValidationProblem, NotFound>> GetStatementAsync(
        Guid id, [AsParameters] StatementQuery query, ClaimsPrincipal caller, SellerContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!caller.CanActForSeller(id))
        {
            return TypedResults.NotFound();
        }

        return await StatementAsync(id, query, db, clock, cancellationToken);
    }

    /// <summary>Every account's balance and the grand total per currency, which must be zero.</summary>
    public static async Task<Ok<TrialBalanceResponse>> GetTrialBalanceAsync(SellerContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var asOf = PayoutLedger.Now(clock);
        var accounts = await db.Postings.AsNoTracking()
            .GroupBy(p => new { p.Account, p.Currency })
            .Select(g => new { g.Key.Account, g.Key.Currency, Balance = g.Sum(p => p.AmountMinor), Postings = g.Count() })
            .OrderBy(a => a.Account).ThenBy(a => a.Currency)
            .ToListAsync(cancellationToken);
        var totals = accounts.GroupBy(a => a.Currency).OrderBy(g => g.Key)
            .Select(g => new CurrencyAmount(g.Key, LedgerMoney.ToMajorUnits(g.Sum(a => a.Balance)))).ToList();
        return TypedResults.Ok(new TrialBalanceResponse(
            [.. accounts.Select(a => new TrialBalanceLine(a.Account, a.Currency, LedgerMoney.ToMajorUnits(a.Balance), a.Postings))],
            totals,
            totals.All(t => t.Amount == 0),
            asOf));
    }

    /// <summary>
    /// Refunds still waiting for their order's confirmation (or kept with a problem), oldest first: one parked long is a
    /// refund of an order the ledger never saw, for an operator to look into.
    /// </summary>
    public static async Task<Results<Ok<ParkedRefundList>, ValidationProblem>> GetParkedRefundsAsync(
        [AsParameters] ParkedRefundQuery query, SellerContext db, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var (page, pageSize) = validation.Paging(query.Page, query.PageSize);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var open = db.ParkedRefunds.AsNoTracking().Where(r => r.AppliedAt == null);
        var total = await open.CountAsync(cancellationToken);
        var items = await open.OrderBy(r => r.ParkedAt).ThenBy(r => r.Sequence)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(r => new ParkedRefundResponse(
                r.PaymentId, r.OrderId, r.Reason, r.SellerId, r.AmountMinor / 100m, r.Currency, r.ParkedAt, r.Problem))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new ParkedRefundList(total, page, pageSize, items));
    }

    private static async Task<SellerBalanceResponse> BalanceAsync(Guid sellerId, SellerContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var asOf = PayoutLedger.Now(clock);
        var balances = await SumsAsync(db.Postings.Where(p => p.SellerId == sellerId), cancellationToken);
        return new SellerBalanceResponse(sellerId, LedgerAccounts.Seller(sellerId), Amounts(balances), asOf);
    }

    private static async Task<Results<Ok<StatementResponse>, ValidationProblem, NotFound>> StatementAsync(
        Guid sellerId, StatementQuery query, SellerContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var (from, to) = validation.Period(query.From, query.To, PayoutLedger.Now(clock));
        var (page, pageSize) = validation.Paging(query.Page, query.PageSize);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var account = db.Postings.AsNoTracking().Where(p => p.SellerId == sellerId);
        var opening = await SumsAsync(account.Where(p => p.BookedAt < from), cancellationToken);
        var period = account.Where(p => p.BookedAt >= from && p.BookedAt < to);
        var moved = await SumsAsync(period, cancellationToken);
        var closing = opening.Keys.Union(moved.Keys).ToDictionary(c => c, c => opening.GetValueOrDefault(c) + moved.GetValueOrDefault(c));
        var total = await period.CountAsync(cancellationToken);
        var lines = await period
            .Join(db.JournalEntries, p => p.EntryId, e => e.Id, (p, e) => new { Posting = p, Entry = e })
            .OrderBy(x => x.Posting.BookedAt).ThenBy(x => x.Posting.EntryId).ThenBy(x => x.Posting.Line)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(x => new StatementLine(
                x.Entry.Id, x.Entry.OrderId, x.Entry.Kind, x.Posting.Currency, x.Posting.AmountMinor / 100m, x.Entry.GrossMinor / 100m,
                x.Entry.CommissionMinor / 100m, x.Entry.CommissionBasisPoints, x.Entry.Reason, x.Posting.BookedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new StatementResponse(
            sellerId, LedgerAccounts.Seller(sellerId), from, to, Amounts(opening), Amounts(closing), total, page, pageSize, lines));
    }

    private static async Task<Dictionary<string, long>> SumsAsync(IQueryable<Posting> postings, CancellationToken cancellationToken) =>
        await postings.GroupBy(p => p.Currency).Select(g => new { Currency = g.Key, Sum = g.Sum(p => p.AmountMinor) })
            .ToDictionaryAsync(g => g.Currency, g => g.Sum, cancellationToken);

    private static List<CurrencyAmount> Amounts(Dictionary<string, long> sums) =>
        [.. sums.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new CurrencyAmount(s.Key, LedgerMoney.ToMajorUnits(s.Value)))];
}
