using System.Net;
using System.Net.Http.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Seller.API.Apis;
using AspireShop.Seller.API.Domain.Ledger;
using AspireShop.TestKit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Seller.Tests;

/// <summary>
/// Who reads the payout ledger: a seller its own balance and statements, never another's (404, and row-level security
/// shows it none of their rows nor the platform's); admins every seller's, the trial balance and the parked refunds; bad
/// periods are 400 naming the field.
/// </summary>
public sealed class PayoutAccessTests(SellerFixture fixture) : IClassFixture<SellerFixture>
{
    private SellerApp App => fixture.App;

    [Fact]
    public async Task SellerBNeverReadsSellerAsBalanceOrStatementsAndRowLevelSecurityShowsItNoneOfAsRows()
    {
        var (a, approvedA) = await App.OnboardAsync();
        var (b, approvedB) = await App.OnboardAsync();
        var (sellerA, sellerB) = (approvedA.SellerId!.Value, approvedB.SellerId!.Value);
        await App.HandleAsync(Ledger.Order(Ledger.Line(sellerA, 2, 10m), Ledger.Line(sellerB, 1, 5m)));
        var cancelled = Ledger.Order(Ledger.Line(sellerA, 1, 7m), Ledger.Line(sellerB, 1, 3m));
        await App.HandleAsync(cancelled);
        await App.HandleAsync(Ledger.SellerRefund(cancelled, sellerA));

        using var asB = App.As(b);
        foreach (var path in new[] { $"/api/sellers/{sellerA}/balance", $"/api/sellers/{sellerA}/statements", $"/api/sellers/{sellerA}/statements?from=2020-01-01" })
        {
            using var response = await asB.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var own = await asB.GetFromJsonAsync<SellerBalanceResponse>("/api/sellers/me/balance");
        // 5.00 + 3.00 captured at the default 10 %: 4.50 + 2.70.
        Assert.Equal((sellerB, LedgerAccounts.Seller(sellerB), 7.20m), (own!.SellerId, own.Account, own.Balances.Single().Amount));
        using (var asA = App.As(a))
        {
            // 20.00 kept, 7.00 captured and refunded: 18.00.
            Assert.Equal(18m, (await asA.GetFromJsonAsync<SellerBalanceResponse>($"/api/sellers/{sellerA}/balance"))!.Balances.Single().Amount);
        }

        using (var trial = await asB.GetAsync("/api/sellers/ledger/trial-balance"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, trial.StatusCode);
        }

        using (var buyer = App.As(TestUser.NewBuyer()))
        using (var mine = await buyer.GetAsync("/api/sellers/me/balance"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, mine.StatusCode);
        }

        // Below the service's checks: as seller B, however the query is written, only B's rows; none of A's, none of the platform's.
        var seen = await App.InScopeAsync(Tenant.Seller(sellerB), async db => (
            Postings: await db.Postings.AsNoTracking().ToListAsync(),
            Entries: await db.JournalEntries.AsNoTracking().ToListAsync(),
            Parked: await db.ParkedRefunds.CountAsync()));
        Assert.NotEmpty(seen.Postings);
        Assert.All(seen.Postings, p => Assert.Equal((sellerB, LedgerAccounts.Seller(sellerB)), (p.SellerId!.Value, p.Account)));
        Assert.All(seen.Entries, e => Assert.Equal(sellerB, e.SellerId));
        Assert.Equal(0, seen.Parked);
        var nobody = await App.InScopeAsync(Tenant.None, async db => (await db.Postings.CountAsync(), await db.JournalEntries.CountAsync(), await db.ParkedRefunds.CountAsync()));
        Assert.Equal((0, 0, 0), nobody);
        var platform = await App.InScopeAsync(Tenant.Everyone, db => db.Postings.CountAsync(p => p.SellerId == null));
        Assert.True(platform > 0);
    }

    [Fact]
    public async Task AStatementHasTheOpeningBalanceThePeriodsPostingsAndTheClosingBalance()
    {
        var (seller, approved) = await App.OnboardAsync(commissionBasisPoints: 1000);
        var sellerId = approved.SellerId!.Value;
        var first = Ledger.Order(Ledger.Line(sellerId, 1, 100m));
        var second = Ledger.Order(Ledger.Line(sellerId, 1, 50m));
        await App.HandleAsync(first);
        await App.HandleAsync(second);
        await App.HandleAsync(Ledger.SellerRefund(second, sellerId));
        using var client = App.As(seller);

        var everything = await client.GetFromJsonAsync<StatementResponse>("/api/sellers/me/statements?from=2000-01-01&pageSize=100");
        Assert.Empty(everything!.Opening);
        // 100.00 at 10 % kept (90.00); 50.00 captured (45.00) and refunded whole.
        Assert.Equal((90m, 3), (everything.Closing.Single().Amount, everything.Total));
        Assert.Equal(
            [(first.OrderId, EntryKind.Capture, 90m, 100m, 10m), (second.OrderId, EntryKind.Capture, 45m, 50m, 5m), (second.OrderId, EntryKind.Reversal, -45m, -50m, -5m)],
            everything.Postings.Select(p => (p.OrderId, p.Kind, p.Amount, p.Gross, p.Commission)));

        // From the second booking on: the first is the opening balance, the rest the period's.
        var from = everything.Postings[1].BookedAt;
        var later = await client.GetFromJsonAsync<StatementResponse>($"/api/sellers/me/statements?from={Uri.EscapeDataString(from.ToString("O"))}&pageSize=1");
        Assert.Equal((90m, 90m, 2, 1), (later!.Opening.Single().Amount, later.Closing.Single().Amount, later.Total, later.Postings.Count));

        var future = DateTimeOffset.UtcNow.AddDays(1);
        var empty = await client.GetFromJsonAsync<StatementResponse>(
            $"/api/sellers/me/statements?from={future:yyyy-MM-dd}&to={future.AddDays(1):yyyy-MM-dd}");
        Assert.Equal((90m, 90m, 0), (empty!.Opening.Single().Amount, empty.Closing.Single().Amount, empty.Total));

        using var admin = App.As(TestUser.NewAdmin());
        var asAdmin = await admin.GetFromJsonAsync<StatementResponse>($"/api/sellers/{sellerId}/statements?from=2000-01-01");
        Assert.Equal(everything.Closing, asAdmin!.Closing);
    }

    [Fact]
    public async Task OnlyAnAdminSeesTheParkedRefunds()
    {
        var (seller, _) = await App.OnboardAsync();
        foreach (var (client, expected) in new[]
                 {
                     (App.Anonymous(), HttpStatusCode.Unauthorized),
                     (App.As(TestUser.NewBuyer()), HttpStatusCode.Forbidden),
                     (App.As(seller), HttpStatusCode.Forbidden),
                     (App.As(TestUser.NewAdmin()), HttpStatusCode.OK),
                 })
        {
            using (client)
            using (var response = await client.GetAsync("/api/sellers/ledger/parked-refunds"))
            {
                Assert.Equal(expected, response.StatusCode);
            }
        }
    }

    [Fact]
    public async Task AnAdminSeesRefundsParkedForOrdersNotSeenOldestFirstUntilTheirOrderBooksThem()
    {
        var (sellerA, sellerB) = (Guid.NewGuid(), Guid.NewGuid());
        var first = Ledger.Order(Ledger.Line(sellerA, 2, 10m), Ledger.Line(sellerB, 1, 4.99m));
        var second = Ledger.Order(Ledger.Line(sellerA, 3, 1.25m));
        await App.HandleAsync(Ledger.SellerRefund(first, sellerB));
        await App.HandleAsync(Ledger.FullRefund(second));
        using var admin = App.As(TestUser.NewAdmin());

        var parked = await ParkedAsync(admin, first.OrderId, second.OrderId);
        Assert.Equal(
            [
                (first.OrderId, $"seller:{sellerB}", (Guid?)sellerB, 4.99m, "USD", (string?)null),
                (second.OrderId, "cancelled", null, 3.75m, "USD", null),
            ],
            parked.Select(r => (r.OrderId, r.Reason, r.SellerId, r.Amount, r.Currency, r.Problem)));
        Assert.True(parked[0].ParkedAt <= parked[1].ParkedAt);
        Assert.All(parked, r => Assert.NotEqual(Guid.Empty, r.PaymentId));

        // The first order arrives: its refund is booked and leaves the list. The second arrives with other parts than
        // its refund names: nothing is booked, and the refund stays, now with the problem an operator must resolve.
        await App.HandleAsync(first);
        await App.HandleAsync(second with { Lines = [Ledger.Line(sellerA, 1, 1.25m)], Total = 1.25m });
        var left = Assert.Single(await ParkedAsync(admin, first.OrderId, second.OrderId));
        Assert.Equal((second.OrderId, parked[1].ParkedAt), (left.OrderId, left.ParkedAt));
        Assert.Contains("375", left.Problem, StringComparison.Ordinal);

        using var bad = await admin.GetAsync("/api/sellers/ledger/parked-refunds?pageSize=101");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["pageSize"], (await bad.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-45", "to")]
    [InlineData("from=2026-12-02&to=2026-12-01", "to")]
    [InlineData("from=2999-01-01", "from")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("page=0", "page")]
    public async Task ABadPeriodOrPageIs400NamingTheField(string query, string field)
    {
        var (seller, approved) = await App.OnboardAsync();
        using var client = App.As(seller);
        using var admin = App.As(TestUser.NewAdmin());

        foreach (var (caller, path) in new[] { (client, "/api/sellers/me/statements"), (admin, $"/api/sellers/{approved.SellerId}/statements") })
        {
            using var response = await caller.GetAsync($"{path}?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
            Assert.Equal([field], problem!.Errors.Keys);
        }
    }

    /// <summary>The open parked refunds of <paramref name="orderIds"/>, in the order the admin's list gives them.</summary>
    private static async Task<List<ParkedRefundResponse>> ParkedAsync(HttpClient admin, params Guid[] orderIds)
    {
        var list = (await admin.GetFromJsonAsync<ParkedRefundList>("/api/sellers/ledger/parked-refunds?pageSize=100"))!;
        Assert.True(list.Total <= list.PageSize, $"{list.Total} parked refunds: more than one page");
        return [.. list.Items.Where(r => orderIds.Contains(r.OrderId))];
    }
}
