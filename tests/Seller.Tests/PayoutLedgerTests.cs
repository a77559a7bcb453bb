using System.Net.Http.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Ordering.Contracts;
using AspireShop.Payment.Contracts;
using AspireShop.Seller.API.Apis;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Domain;
using AspireShop.Seller.API.Domain.Ledger;
using AspireShop.Seller.API.Events;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireShop.Seller.Tests;

/// <summary>
/// The payout ledger fed through Kafka: after a scripted mix of two-seller orders, seller cancels (partial refunds) and
/// full refunds, arriving in any order, each seller's balance is what the test recomputes from the same events, every
/// entry balances, and redelivered or re-sent events change nothing.
/// </summary>
public sealed class PayoutLedgerTests(SellerFixture fixture) : IClassFixture<SellerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private SellerApp App => fixture.App;

    [Fact]
    public async Task AfterAScriptedMixEachSellersBalanceIsCapturedMinusRefundedMinusCommissionAndRedeliveryChangesNothing()
    {
        var (_, a) = await App.OnboardAsync(commissionBasisPoints: 1250);
        var (_, b) = await App.OnboardAsync(commissionBasisPoints: 800);
        var (sellerA, sellerB, unknownC) = (a.SellerId!.Value, b.SellerId!.Value, Guid.NewGuid());
        var rates = new Dictionary<Guid, int> { [sellerA] = 1250, [sellerB] = 800, [unknownC] = Commission.DefaultBasisPoints };

        var o1 = Ledger.Order(Ledger.Line(sellerA, 3, 19.99m), Ledger.Line(sellerB, 2, 5.05m));
        var o2 = Ledger.Order(Ledger.Line(sellerA, 1, 33.33m), Ledger.Line(sellerB, 4, 2.49m), Ledger.Line(sellerA, 1, 0.01m));
        var o3 = Ledger.Order(Ledger.Line(sellerA, 2, 12.34m), Ledger.Line(sellerB, 1, 99.99m));
        var o4 = Ledger.Order(Ledger.Line(sellerA, 1, 7.77m), Ledger.Line(unknownC, 5, 1.01m));
        var o5 = Ledger.Order(Ledger.Line(sellerB, 3, 3.33m), Ledger.Line(sellerA, 1, 0.05m));
        var o6 = Ledger.Order(Ledger.Line(sellerA, 1, 50m), Ledger.Line(sellerB, 1, 50m));
        var o7 = Ledger.Order(Ledger.Line(sellerB, 1, 123.45m), Ledger.Line(unknownC, 2, 0.99m));
        OrderConfirmed[] orders = [o1, o2, o3, o4, o5, o6, o7];
        PaymentRefunded[] refunds =
        [
            Ledger.SellerRefund(o2, sellerA),
            Ledger.FullRefund(o3),
            Ledger.SellerRefund(o4, unknownC),
            Ledger.FullRefund(o4, except: unknownC),
            Ledger.SellerRefund(o5, sellerB),
            Ledger.FullRefund(o6),
        ];

        // Independently of the ledger: per seller, what buyers paid, what was refunded, and the commission on what was kept.
        var refundedParts = new HashSet<(Guid Order, Guid Seller)>
        {
            (o2.OrderId, sellerA), (o3.OrderId, sellerA), (o3.OrderId, sellerB), (o4.OrderId, unknownC), (o4.OrderId, sellerA),
            (o5.OrderId, sellerB), (o6.OrderId, sellerA), (o6.OrderId, sellerB),
        };
        var expected = rates.Keys.ToDictionary(s => s, _ => 0m);
        foreach (var order in orders)
        {
            foreach (var part in order.Lines.GroupBy(l => l.SellerId))
            {
                var captured = part.Sum(l => l.Quantity * l.UnitPrice);
                var refunded = refundedParts.Contains((order.OrderId, part.Key)) ? captured : 0m;
                var commission = refunded == 0 ? Math.Round(captured * rates[part.Key] / 10_000m, 2, MidpointRounding.AwayFromZero) : 0m;
                expected[part.Key] += captured - refunded - commission;
            }
        }

        // Refunds of o5 and o6 go out before their orders: the ledger must park them, not lose or misbook them.
        var refundIds = new List<string>();
        foreach (var refund in refunds.Where(r => r.OrderId == o5.OrderId || r.OrderId == o6.OrderId))
        {
            refundIds.Add(await App.PublishAsync(refund));
        }

        var orderIds = new List<string>();
        foreach (var order in orders)
        {
            orderIds.Add(await App.PublishAsync(order));
        }

        foreach (var refund in refunds.Where(r => r.OrderId != o5.OrderId && r.OrderId != o6.OrderId))
        {
            refundIds.Add(await App.PublishAsync(refund));
        }

        await WaitForInboxAsync(orders.Length, refunds.Length);
        await AssertBalancesAsync(expected);
        var before = await SnapshotAsync([.. orders.Select(o => o.OrderId)]);
        Assert.Equal((14, refundedParts.Count), (before.Captures, before.Reversals));
        Assert.Equal(0, before.OpenParked);

        // Kafka redelivers everything (same ids), and Ordering and Payment re-send everything (new ids) behind it.
        foreach (var (order, id) in orders.Zip(orderIds))
        {
            await App.PublishAsync(order, id);
            await App.PublishAsync(order);
        }

        foreach (var (refund, id) in refunds.Where(r => r.OrderId == o5.OrderId || r.OrderId == o6.OrderId)
                     .Concat(refunds.Where(r => r.OrderId != o5.OrderId && r.OrderId != o6.OrderId)).Zip(refundIds))
        {
            await App.PublishAsync(refund, id);
            await App.PublishAsync(refund);
        }

        await WaitForInboxAsync(2 * orders.Length, 2 * refunds.Length);
        Assert.Equal(before, await SnapshotAsync([.. orders.Select(o => o.OrderId)]));
        await AssertBalancesAsync(expected);
    }

    [Fact]
    public async Task ARefundBeforeItsOrderIsParkedAndBookedWhenTheOrderArrives()
    {
        var (sellerA, sellerB) = (Guid.NewGuid(), Guid.NewGuid());
        var order = Ledger.Order(Ledger.Line(sellerA, 2, 10m), Ledger.Line(sellerB, 1, 4.99m));

        await App.HandleAsync(Ledger.SellerRefund(order, sellerB));
        var parked = await App.InScopeAsync(Tenant.Everyone, db => db.ParkedRefunds.AsNoTracking().SingleAsync(r => r.OrderId == order.OrderId));
        Assert.Equal((sellerB, 499L, (DateTimeOffset?)null), (parked.SellerId!.Value, parked.AmountMinor, parked.AppliedAt));
        Assert.Equal(0, await App.InScopeAsync(Tenant.Everyone, db => db.JournalEntries.CountAsync(e => e.OrderId == order.OrderId)));

        await App.HandleAsync(order);

        var entries = await EntriesAsync(order.OrderId);
        Assert.Equal(
            [(sellerA, EntryKind.Capture, 2000L), (sellerB, EntryKind.Capture, 499L), (sellerB, EntryKind.Reversal, -499L)],
            entries.Select(e => (e.SellerId, e.Kind, e.GrossMinor)).OrderBy(e => e.SellerId == sellerB).ThenBy(e => e.Kind));
        var applied = await App.InScopeAsync(Tenant.Everyone, db => db.ParkedRefunds.AsNoTracking().SingleAsync(r => r.OrderId == order.OrderId));
        Assert.NotNull(applied.AppliedAt);
        Assert.Null(applied.Problem);
        // The reversal is the capture negated, posting by posting.
        var capture = entries.Single(e => e.SellerId == sellerB && e.Kind == EntryKind.Capture);
        var reversal = entries.Single(e => e.Kind == EntryKind.Reversal);
        Assert.Equal(capture.Id, reversal.ReversesEntryId);
        Assert.Equal(
            capture.Postings.OrderBy(p => p.Line).Select(p => (p.Account, -p.AmountMinor)),
            reversal.Postings.OrderBy(p => p.Line).Select(p => (p.Account, p.AmountMinor)));
    }

    [Fact]
    public async Task ACaptureCreditsTheSellerNetOfCommissionRoundedHalfUpAndAnUnknownSellerPaysTheDefault()
    {
        var (_, known) = await App.OnboardAsync(commissionBasisPoints: 1250);
        var unknown = Guid.NewGuid();
        var order = Ledger.Order(Ledger.Line(known.SellerId!.Value, 3, 19.99m), Ledger.Line(unknown, 1, 0.05m));

        await App.HandleAsync(order);

        var entries = await EntriesAsync(order.OrderId);
        var postings = entries.SelectMany(e => e.Postings).GroupBy(p => p.Account).ToDictionary(g => g.Key, g => g.Sum(p => p.AmountMinor));
        // 59.97 at 12.5 % is 7.49625: 7.50. 0.05 at the default 10 % is half a cent: 0.01.
        Assert.Equal(-5997 - 5, postings[LedgerAccounts.Clearing]);
        Assert.Equal(750 + 1, postings[LedgerAccounts.Commission]);
        Assert.Equal(5997 - 750, postings[LedgerAccounts.Seller(known.SellerId!.Value)]);
        Assert.Equal(4, postings[LedgerAccounts.Seller(unknown)]);
        Assert.Equal([1250, Commission.DefaultBasisPoints], entries.OrderBy(e => e.SellerId == unknown).Select(e => e.CommissionBasisPoints));
        Assert.All(entries, e => Assert.Equal(0, e.Postings.Sum(p => p.AmountMinor)));
    }

    [Theory]
    [InlineData(5997, 1250, 750)]
    [InlineData(1, 5000, 1)]
    [InlineData(1, 4999, 0)]
    [InlineData(12345, 0, 0)]
    [InlineData(12345, 10_000, 12345)]
    [InlineData(99_999_999, 333, 3_330_000)]
    public void CommissionIsRoundedToTheNearestCentHalfUp(long grossMinor, int basisPoints, long commission) =>
        Assert.Equal(commission, Commission.Of(grossMinor, basisPoints));

    [Fact]
    public async Task ARefundThatDoesNotMatchThePartIsPoisonAndBooksNothing()
    {
        var seller = Guid.NewGuid();
        var order = Ledger.Order(Ledger.Line(seller, 1, 10m), Ledger.Line(Guid.NewGuid(), 1, 5m));
        await App.HandleAsync(order);
        var inbox = await App.InboxCountAsync(PaymentRefundedHandler.ConsumerGroup);

        PaymentRefunded[] wrong =
        [
            Ledger.SellerRefund(order, seller) with { Amount = 9.99m },
            Ledger.SellerRefund(order, Guid.NewGuid()) with { Amount = 5m },
            Ledger.FullRefund(order) with { Amount = 1m },
            Ledger.SellerRefund(order, seller) with { Currency = "EUR" },
            Ledger.SellerRefund(order, seller) with { Reason = "seller:not-a-guid" },
            Ledger.SellerRefund(order, seller) with { Amount = 10.001m },
        ];
        foreach (var refund in wrong)
        {
            await Assert.ThrowsAsync<PoisonMessageException>(() => App.HandleAsync(refund));
        }

        Assert.All(await EntriesAsync(order.OrderId), e => Assert.Equal(EntryKind.Capture, e.Kind));
        Assert.Equal(inbox, await App.InboxCountAsync(PaymentRefundedHandler.ConsumerGroup));

        // A refund of nothing (nothing captured, or nothing left) books nothing and is no error, even without a currency.
        await App.HandleAsync(Ledger.SellerRefund(order, seller) with { Amount = 0m });
        await App.HandleAsync(Ledger.FullRefund(Ledger.Order(Ledger.Line(seller, 1, 1m))) with { Amount = 0m, Currency = "" });
        Assert.All(await EntriesAsync(order.OrderId), e => Assert.Equal(EntryKind.Capture, e.Kind));
    }

    [Fact]
    public async Task TheDatabaseRefusesAnEntryThatDoesNotBalanceAndAnyChangeToABookedOne()
    {
        var order = Ledger.Order(Ledger.Line(Guid.NewGuid(), 1, 10m));
        await App.HandleAsync(order);
        var entryId = (await EntriesAsync(order.OrderId)).Single().Id;
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await TenantIsolation.ApplyAsync(connection, SellerContext.TenantRole, Tenant.Everyone);

        var unbalanced = await Assert.ThrowsAsync<PostgresException>(() => ExecuteInTransactionAsync(connection, $"""
            INSERT INTO ledger_entries (id, seller_id, order_id, kind, currency, gross_minor, commission_minor, commission_basis_points, source_message_id, occurred_at, booked_at)
            VALUES ('{Guid.NewGuid()}', '{Guid.NewGuid()}', '{Guid.NewGuid()}', 'capture', 'USD', 100, 0, 0, 'test', now(), now());
            INSERT INTO ledger_postings (entry_id, line, account, seller_id, amount_minor, currency, booked_at)
            SELECT id, 1, 'platform:clearing', NULL, -100, 'USD', now() FROM ledger_entries WHERE source_message_id = 'test';
            """));
        Assert.Equal(PostgresErrorCodes.CheckViolation, unbalanced.SqlState);

        var empty = await Assert.ThrowsAsync<PostgresException>(() => ExecuteInTransactionAsync(connection, $"""
            INSERT INTO ledger_entries (id, seller_id, order_id, kind, currency, gross_minor, commission_minor, commission_basis_points, source_message_id, occurred_at, booked_at)
            VALUES ('{Guid.NewGuid()}', '{Guid.NewGuid()}', '{Guid.NewGuid()}', 'capture', 'USD', 100, 0, 0, 'empty', now(), now());
            """));
        Assert.Equal(PostgresErrorCodes.CheckViolation, empty.SqlState);

        foreach (var change in new[]
        {
            $"UPDATE ledger_postings SET amount_minor = amount_minor * 2 WHERE entry_id = '{entryId}'",
            $"DELETE FROM ledger_postings WHERE entry_id = '{entryId}'",
            $"DELETE FROM ledger_entries WHERE id = '{entryId}'",
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteInTransactionAsync(connection, change));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        Assert.Equal(0L, await App.InScopeAsync(Tenant.Everyone, db => db.Postings.SumAsync(p => p.AmountMinor)));
    }

    private async Task WaitForInboxAsync(int orders, int refunds) =>
        await Poll.UntilAsync(
            async () => (Orders: await App.InboxCountAsync(OrderConfirmedHandler.ConsumerGroup), Refunds: await App.InboxCountAsync(PaymentRefundedHandler.ConsumerGroup)),
            counts => counts.Orders >= orders && counts.Refunds >= refunds,
            Deadline,
            counts => $"{counts.Orders} of {orders} orders and {counts.Refunds} of {refunds} refunds handled");

    private async Task AssertBalancesAsync(Dictionary<Guid, decimal> expected)
    {
        using var admin = App.As(TestUser.NewAdmin());
        foreach (var (seller, amount) in expected)
        {
            var balance = await admin.GetFromJsonAsync<SellerBalanceResponse>($"/api/sellers/{seller}/balance");
            Assert.Equal((seller, "USD", amount), (balance!.SellerId, balance.Balances.Single().Currency, balance.Balances.Single().Amount));
        }

        var trial = await admin.GetFromJsonAsync<TrialBalanceResponse>("/api/sellers/ledger/trial-balance");
        Assert.True(trial!.Balanced);
        Assert.Equal(0m, trial.Totals.Single(t => t.Currency == "USD").Amount);
        foreach (var (seller, amount) in expected)
        {
            Assert.Equal(amount, trial.Accounts.Single(x => x.Account == LedgerAccounts.Seller(seller)).Balance);
        }

        // Below the API, as the database's owner: every posting there is, whoever's it is, sums to zero.
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(amount_minor), 0)::bigint FROM ledger_postings", connection);
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    // The script's orders only: the class's other tests book into the same database.
    private Task<(int Captures, int Reversals, int Postings, long Clearing, long Commission, int OpenParked)> SnapshotAsync(IReadOnlyList<Guid> orderIds) =>
        App.InScopeAsync(Tenant.Everyone, async db =>
        {
            var entries = db.JournalEntries.Where(e => orderIds.Contains(e.OrderId));
            var postings = db.Postings.Where(p => entries.Any(e => e.Id == p.EntryId));
            return (
                await entries.CountAsync(e => e.Kind == EntryKind.Capture),
                await entries.CountAsync(e => e.Kind == EntryKind.Reversal),
                await postings.CountAsync(),
                await postings.Where(p => p.Account == LedgerAccounts.Clearing).SumAsync(p => p.AmountMinor),
                await postings.Where(p => p.Account == LedgerAccounts.Commission).SumAsync(p => p.AmountMinor),
                await db.ParkedRefunds.CountAsync(r => orderIds.Contains(r.OrderId) && r.AppliedAt == null));
        });

    private Task<List<JournalEntry>> EntriesAsync(Guid orderId) =>
        App.InScopeAsync(Tenant.Everyone, db => db.JournalEntries.AsNoTracking().Include(e => e.Postings).Where(e => e.OrderId == orderId).ToListAsync());

    // A failed statement or commit leaves the transaction to its disposal, which rolls it back.
    private static async Task ExecuteInTransactionAsync(NpgsqlConnection connection, string sql)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}

/// <summary>Orders and refunds as Ordering and Payment publish them: every test its own order ids, all in USD.</summary>
public static class Ledger
{
    public static OrderLine Line(Guid sellerId, int quantity, decimal unitPrice) =>
        new(Guid.NewGuid(), sellerId, Guid.NewGuid(), "Rain jacket", quantity, unitPrice);

    public static OrderConfirmed Order(params OrderLine[] lines) =>
        new(Guid.NewGuid(), Guid.NewGuid(), lines, lines.Sum(l => l.UnitPrice * l.Quantity), "USD", DateTimeOffset.UtcNow);

    /// <summary>The refund of one seller's cancelled part: the part's whole amount, reason <c>seller:&lt;id&gt;</c>.</summary>
    public static PaymentRefunded SellerRefund(OrderConfirmed order, Guid sellerId) =>
        new(order.OrderId, PaymentId(order), order.Lines.Where(l => l.SellerId == sellerId).Sum(l => l.UnitPrice * l.Quantity), "USD", $"seller:{sellerId}");

    /// <summary>The order cancelled: what is left of the capture once <paramref name="except"/>'s part was refunded.</summary>
    public static PaymentRefunded FullRefund(OrderConfirmed order, Guid? except = null) =>
        new(order.OrderId, PaymentId(order), order.Lines.Where(l => l.SellerId != except).Sum(l => l.UnitPrice * l.Quantity), "USD", "cancelled");

    // One payment per order, as Payment makes it.
    private static Guid PaymentId(OrderConfirmed order) => new(order.OrderId.ToByteArray().Reverse().ToArray());
}
