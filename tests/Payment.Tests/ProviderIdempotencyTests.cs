using System.Net;

namespace AspireShop.Payment.Tests;

/// <summary>Stripe's idempotency rules, kept in Postgres: replays, mismatches, concurrent retries, restarts.</summary>
public sealed class ProviderIdempotencyTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private ProviderHost Provider => fixture.Provider;

    [Fact]
    public async Task TheSameKeyAndBodyReplaysTheFirstAnswerWithoutChargingAgain()
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();

        var first = await client.ChargeAsync(order, idempotencyKey: key);
        var second = await client.ChargeAsync(order, idempotencyKey: key);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.Status, second.Status));
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.Body.GetRawText(), second.Body.GetRawText());
        Assert.Single((await client.LedgerAsync(order)).Charges);
        Assert.Single((await client.GetJsonAsync($"/v1/payment_intents?order_reference={order}")).Body.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task ADeclineIsReplayedToo()
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();

        var first = await client.ChargeAsync(order, card: "4000000000009995", idempotencyKey: key);
        var second = await client.ChargeAsync(order, card: "4000000000009995", idempotencyKey: key);

        Assert.Equal((HttpStatusCode.PaymentRequired, HttpStatusCode.PaymentRequired), (first.Status, second.Status));
        Assert.True(second.Replayed);
        Assert.Equal(first.Body.GetRawText(), second.Body.GetRawText());
        Assert.Single((await client.GetJsonAsync($"/v1/payment_intents?order_reference={order}")).Body.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task TheSameKeyWithOtherParametersOrAnotherPathIsRefused()
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();
        var first = await client.ChargeAsync(order, amount: 1000, idempotencyKey: key);

        // Same parameters in another key order and layout: the same request.
        using var reordered = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/payment_intents")
        {
            Headers = { { "Idempotency-Key", key } },
            Content = new StringContent(
                $$"""{ "metadata": { "order_reference": "{{order}}" }, "confirm": true, "payment_method": "4242424242424242", "currency": "usd", "amount": 1000 }""",
                System.Text.Encoding.UTF8,
                "application/json"),
        });
        var otherAmount = await client.ChargeAsync(order, amount: 1001, idempotencyKey: key);
        var otherPath = await client.RefundAsync(first.Id, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.OK, reordered.StatusCode);
        Assert.Equal("true", reordered.Headers.GetValues("Idempotent-Replayed").Single());
        foreach (var refused in new[] { otherAmount, otherPath })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal("idempotency_error", refused.ErrorField("type"));
            Assert.False(refused.Replayed);
        }

        Assert.Equal(1000, Assert.Single((await client.LedgerAsync(order)).Charges).GetProperty("amount").GetInt64());
        Assert.Empty((await client.LedgerAsync(order)).Refunds);
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneKeyCreateExactlyOneIntent()
    {
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();
        var clients = Enumerable.Range(0, 20).Select(_ => Provider.Api()).ToList();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = clients.Select(client => Task.Run(async () =>
        {
            await start.Task;
            return await client.ChargeAsync(order, idempotencyKey: key);
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        var executed = Assert.Single(results, r => r.Status == HttpStatusCode.OK && !r.Replayed);
        Assert.All(results.Where(r => r != executed), r =>
        {
            if (r.Status == HttpStatusCode.Conflict)
            {
                Assert.Equal(("idempotency_error", "idempotency_key_in_use"), (r.ErrorField("type"), r.ErrorField("code")));
            }
            else
            {
                Assert.Equal((HttpStatusCode.OK, true, executed.Id), (r.Status, r.Replayed, r.Id));
            }
        });
        var listed = await clients[0].GetJsonAsync($"/v1/payment_intents?order_reference={order}");
        Assert.Equal(executed.Id, Assert.Single(listed.Body.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task ReplaysSurviveARestartAndKeysArePerApiKey()
    {
        var database = await fixture.Infrastructure.CreateDatabaseAsync("provider");
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();
        ProviderResponse first;
        await using (var before = await ProviderHost.StartAsync(fixture.Infrastructure, database))
        {
            using var client = before.Api();
            first = await client.ChargeAsync(order, idempotencyKey: key);
            Assert.Equal(HttpStatusCode.OK, first.Status);
        }

        await using (var after = await ProviderHost.StartAsync(fixture.Infrastructure, database))
        {
            using var client = after.Api();
            var replay = await client.ChargeAsync(order, idempotencyKey: key);
            Assert.Equal(HttpStatusCode.OK, replay.Status);
            Assert.True(replay.Replayed);
            Assert.Equal(first.Body.GetRawText(), replay.Body.GetRawText());
        }

        // Another account (API key) on the same data: the key is not the first account's, so the request executes.
        await using var otherAccount = await ProviderHost.StartAsync(fixture.Infrastructure, database, apiKey: "sk_test_other_account");
        using var other = otherAccount.Api();
        var executed = await other.ChargeAsync(order, idempotencyKey: key);
        Assert.Equal(HttpStatusCode.OK, executed.Status);
        Assert.False(executed.Replayed);
        Assert.NotEqual(first.Id, executed.Id);
    }

    [Fact]
    public async Task AKeyLongerThan255CharactersIsRefused()
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();

        var tooLong = await client.ChargeAsync(order, idempotencyKey: new string('k', 256));
        var longest = await client.ChargeAsync(order, idempotencyKey: order + new string('k', 255 - order.Length));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Equal("invalid_request_error", tooLong.ErrorField("type"));
        Assert.Equal(HttpStatusCode.OK, longest.Status);
        Assert.Single((await client.LedgerAsync(order)).Charges);
    }
}
