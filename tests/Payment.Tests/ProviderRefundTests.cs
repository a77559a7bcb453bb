using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AspireShop.Payment.Tests;

/// <summary>Refunds: full, partial, refused, and never more than was captured, even under a crowd.</summary>
public sealed partial class ProviderRefundTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private ProviderHost Provider => fixture.Provider;

    [Fact]
    public async Task ARefundWithoutAmountRefundsWhatRemainsAndThenNothingMore()
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();
        var intent = await client.ChargeAsync(order, amount: 5000);

        var partial = await client.RefundAsync(intent.Id, amount: 1200);
        var tooLarge = await client.RefundAsync(intent.Id, amount: 3801);
        var rest = await client.PostJsonAsync("/v1/refunds", new { payment_intent = intent.Id, metadata = new Dictionary<string, string> { ["reason"] = "cancelled" } });
        var again = await client.RefundAsync(intent.Id);

        Assert.Equal(HttpStatusCode.OK, partial.Status);
        Assert.Matches(RefundId(), partial.Id);
        Assert.Equal(("refund", 1200L, "usd", intent.Id, "succeeded"), Summary(partial.Body));
        Assert.Equal(HttpStatusCode.BadRequest, tooLarge.Status);
        Assert.Equal(("invalid_request_error", "amount_too_large"), (tooLarge.ErrorField("type"), tooLarge.ErrorField("code")));
        Assert.Equal(HttpStatusCode.OK, rest.Status);
        Assert.Equal(("refund", 3800L, "usd", intent.Id, "succeeded"), Summary(rest.Body));
        Assert.Equal("cancelled", rest.Body.GetProperty("metadata").GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal(("invalid_request_error", "charge_already_refunded"), (again.ErrorField("type"), again.ErrorField("code")));

        var refunded = await client.GetJsonAsync($"/v1/payment_intents/{intent.Id}");
        Assert.Equal((5000L, 5000L), (refunded.Body.GetProperty("amount_received").GetInt64(), refunded.Body.GetProperty("amount_refunded").GetInt64()));
    }

    [Fact]
    public async Task OnlyACapturedIntentCanBeRefunded()
    {
        using var client = Provider.Api();
        var declined = await client.ChargeAsync(ProviderCalls.NewOrderReference(), card: "4000000000000002");
        var declinedId = declined.Error.GetProperty("payment_intent").GetProperty("id").GetString()!;

        var notCaptured = await client.RefundAsync(declinedId);
        var unknown = await client.RefundAsync("pi_000000000000000000000000");
        var invalid = await client.RefundAsync(declinedId, amount: 0);

        Assert.Equal(HttpStatusCode.BadRequest, notCaptured.Status);
        Assert.Equal(("invalid_request_error", "charge_not_captured"), (notCaptured.ErrorField("type"), notCaptured.ErrorField("code")));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(("resource_missing", "payment_intent"), (unknown.ErrorField("code"), unknown.ErrorField("param")));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal("amount", invalid.ErrorField("param"));
        Assert.Equal(0L, await Provider.QueryScalarAsync<long>("SELECT count(*) FROM refunds WHERE payment_intent = $1", declinedId));
    }

    [Fact]
    public async Task TwentyConcurrentRefundsNeverTakeMoreThanWasCaptured()
    {
        using var setup = Provider.Api();
        var order = ProviderCalls.NewOrderReference();
        var intent = await setup.ChargeAsync(order, amount: 1000);
        var clients = Enumerable.Range(0, 20).Select(_ => Provider.Api()).ToList();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Half ask for 300, half for "whatever remains": every interleaving must still add up to at most 1000.
        var attempts = clients.Select((client, i) => Task.Run(async () =>
        {
            await start.Task;
            return await client.RefundAsync(intent.Id, amount: i % 2 == 0 ? 300 : null, idempotencyKey: Guid.NewGuid().ToString());
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        var succeeded = results.Where(r => r.Status == HttpStatusCode.OK).ToList();
        Assert.All(results.Except(succeeded), r =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.True(r.ErrorField("code") is "amount_too_large" or "charge_already_refunded", r.Body.GetRawText());
        });
        Assert.Equal(1000L, succeeded.Sum(r => r.Body.GetProperty("amount").GetInt64()));

        var (_, refunds) = await setup.LedgerAsync(order);
        Assert.Equal(succeeded.Select(r => r.Id).Order(), refunds.Select(r => r.GetProperty("id").GetString()!).Order());
        Assert.Equal(1000L, refunds.Sum(r => r.GetProperty("amount").GetInt64()));
        Assert.Equal(1000L, await Provider.QueryScalarAsync<long>("SELECT amount_refunded FROM payment_intents WHERE id = $1", intent.Id));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task TheDatabaseItselfRefusesRefundingMoreThanWasCaptured()
    {
        using var client = Provider.Api();
        var intent = await client.ChargeAsync(ProviderCalls.NewOrderReference(), amount: 700);

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            Provider.QueryScalarAsync<object>("UPDATE payment_intents SET amount_refunded = amount_received + 1 WHERE id = $1", intent.Id));

        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    [Fact]
    public async Task TheLedgerHoldsCapturedChargesAndRefundsPerOrder()
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();
        var otherOrder = ProviderCalls.NewOrderReference();
        await client.ChargeAsync(order, card: "4000000000000002");
        var paid = await client.ChargeAsync(order, amount: 2500);
        var refund = await client.RefundAsync(paid.Id, amount: 500);
        var other = await client.ChargeAsync(otherOrder, amount: 900);

        var (charges, refunds) = await client.LedgerAsync(order);
        var (allCharges, allRefunds) = await client.LedgerAsync();

        var charge = Assert.Single(charges);
        Assert.Equal((paid.Id, order, 2500L, "usd"), (charge.GetProperty("payment_intent").GetString(), charge.GetProperty("order_reference").GetString(), charge.GetProperty("amount").GetInt64(), charge.GetProperty("currency").GetString()));
        Assert.True(charge.GetProperty("created").GetInt64() > 0);
        var refunded = Assert.Single(refunds);
        Assert.Equal((refund.Id, paid.Id, order, 500L), (refunded.GetProperty("id").GetString(), refunded.GetProperty("payment_intent").GetString(), refunded.GetProperty("order_reference").GetString(), refunded.GetProperty("amount").GetInt64()));
        Assert.Contains(allCharges, c => c.GetProperty("payment_intent").GetString() == other.Id);
        Assert.Contains(allCharges, c => c.GetProperty("payment_intent").GetString() == paid.Id);
        Assert.Contains(allRefunds, r => r.GetProperty("id").GetString() == refund.Id);
    }

    private static (string?, long, string?, string?, string?) Summary(JsonElement refund) => (
        refund.GetProperty("object").GetString(),
        refund.GetProperty("amount").GetInt64(),
        refund.GetProperty("currency").GetString(),
        refund.GetProperty("payment_intent").GetString(),
        refund.GetProperty("status").GetString());

    [GeneratedRegex("^re_[0-9a-f]{24}$")]
    private static partial Regex RefundId();
}
