using System.Net;
using AspireShop.TestKit;

namespace AspireShop.Payment.Tests;

/// <summary>
/// The fault switches, each test on a provider of its own (the switches are process-wide): failures before and after
/// commit, resets, rate limits, declines, latency and the concurrency statistics.
/// </summary>
public sealed class ProviderFaultTests : IClassFixture<InfrastructureFixture>, IAsyncLifetime
{
    private readonly InfrastructureFixture _infrastructure;
    private ProviderHost _provider = null!;
    private HttpClient _client = null!;

    public ProviderFaultTests(InfrastructureFixture infrastructure) => _infrastructure = infrastructure;

    public async Task InitializeAsync()
    {
        _provider = await ProviderHost.StartAsync(_infrastructure);
        _client = _provider.Api();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task ErrorAfterCommitCommitsAndARetryWithTheSameKeyReplaysTheSuccess()
    {
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();
        await _client.SetFaultsAsync(new { mode = "error_after_commit", count = 1 });

        var failed = await _client.ChargeAsync(order, idempotencyKey: key);
        var (charges, _) = await _client.LedgerAsync(order);
        var retry = await _client.ChargeAsync(order, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.Equal("api_error", failed.ErrorField("type"));
        var committed = Assert.Single(charges).GetProperty("payment_intent").GetString();
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.True(retry.Replayed);
        Assert.Equal(committed, retry.Id);
        Assert.Equal("none", (await _client.GetJsonAsync("/v1/test/faults")).Body.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task ErrorBeforeCommitStoresNothingAndARetryExecutesAfresh()
    {
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();
        await _client.SetFaultsAsync(new { mode = "error_before_commit", count = 1 });

        var failed = await _client.ChargeAsync(order, idempotencyKey: key);
        var (charges, _) = await _client.LedgerAsync(order);
        var events = await _provider.QueryScalarAsync<long>("SELECT count(*) FROM webhook_events");
        var retry = await _client.ChargeAsync(order, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.Equal("api_error", failed.ErrorField("type"));
        Assert.Empty(charges);
        Assert.Equal(0L, events);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.False(retry.Replayed);
        Assert.Equal(retry.Id, Assert.Single((await _client.LedgerAsync(order)).Charges).GetProperty("payment_intent").GetString());
    }

    [Fact]
    public async Task ResetAfterCommitDropsTheConnectionAfterCommitting()
    {
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();
        await _client.SetFaultsAsync(new { mode = "reset_after_commit", count = 1 });

        await Assert.ThrowsAnyAsync<Exception>(() => _client.ChargeAsync(order, idempotencyKey: key));
        var (charges, _) = await _client.LedgerAsync(order);
        var retry = await _client.ChargeAsync(order, idempotencyKey: key);

        Assert.Equal(Assert.Single(charges).GetProperty("payment_intent").GetString(), retry.Id);
        Assert.True(retry.Replayed);
    }

    [Fact]
    public async Task RateLimitAnswers429WithRetryAfterAndDoesNothing()
    {
        var order = ProviderCalls.NewOrderReference();
        var key = Guid.NewGuid().ToString();
        await _client.SetFaultsAsync(new { mode = "rate_limit", count = 2, retry_after_s = 7 });

        var first = await _client.ChargeAsync(order, idempotencyKey: key);
        var second = await _client.ChargeAsync(order, idempotencyKey: key);
        var third = await _client.ChargeAsync(order, idempotencyKey: key);

        foreach (var limited in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
            Assert.Equal("rate_limit_error", limited.ErrorField("type"));
            Assert.Equal(TimeSpan.FromSeconds(7), limited.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(HttpStatusCode.OK, third.Status);
        Assert.False(third.Replayed);
        Assert.Single((await _client.LedgerAsync(order)).Charges);
    }

    [Fact]
    public async Task DeclineAllDeclinesEvenTheSuccessCardUntilCleared()
    {
        var order = ProviderCalls.NewOrderReference();
        await _client.SetFaultsAsync(new { mode = "decline_all" });
        var current = await _client.GetJsonAsync("/v1/test/faults");

        var declined = await _client.ChargeAsync(order);
        var alsoDeclined = await _client.ChargeAsync(order);
        var cleared = await _client.CallAsync(HttpMethod.Delete, "/v1/test/faults");
        var paid = await _client.ChargeAsync(order);

        Assert.Equal(("decline_all", "normal"), (current.Body.GetProperty("mode").GetString(), current.Body.GetProperty("webhooks").GetString()));
        Assert.Equal((HttpStatusCode.PaymentRequired, "card_declined"), (declined.Status, declined.ErrorField("code")));
        Assert.Equal(HttpStatusCode.PaymentRequired, alsoDeclined.Status);
        Assert.Equal("none", cleared.Body.GetProperty("mode").GetString());
        Assert.Equal(HttpStatusCode.OK, paid.Status);
    }

    [Fact]
    public async Task InvalidFaultSettingsAreRefused()
    {
        foreach (var settings in new object[] { new { mode = "banana" }, new { mode = "rate_limit", count = 0 }, new { latency_ms = -1 }, new { webhooks = "sometimes" }, new { mood = "none" } })
        {
            var response = await _client.CallAsync(HttpMethod.Put, "/v1/test/faults", settings);
            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.Equal("invalid_request_error", response.ErrorField("type"));
        }

        Assert.Equal("none", (await _client.GetJsonAsync("/v1/test/faults")).Body.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task StatsReportHowManyCallsWereInFlightAtOnce()
    {
        await _client.CallAsync(HttpMethod.Delete, "/v1/test/stats");
        for (var i = 0; i < 3; i++)
        {
            await _client.GetJsonAsync("/v1/payment_intents/pi_000000000000000000000000");
        }

        var sequential = (await _client.GetJsonAsync("/v1/test/stats")).Body;
        Assert.Equal((3L, 0, 1), (sequential.GetProperty("requests").GetInt64(), sequential.GetProperty("in_flight").GetInt32(), sequential.GetProperty("max_in_flight").GetInt32()));

        // Slow enough that all eight are still waiting when the last one arrives.
        await _client.SetFaultsAsync(new { latency_ms = 1500 });
        await _client.CallAsync(HttpMethod.Delete, "/v1/test/stats");
        var clients = Enumerable.Range(0, 8).Select(_ => _provider.Api()).ToList();
        var started = DateTime.UtcNow;
        await Task.WhenAll(clients.Select(c => c.ChargeAsync(ProviderCalls.NewOrderReference())));
        var elapsed = DateTime.UtcNow - started;

        var concurrent = (await _client.GetJsonAsync("/v1/test/stats")).Body;
        Assert.Equal((8L, 0, 8), (concurrent.GetProperty("requests").GetInt64(), concurrent.GetProperty("in_flight").GetInt32(), concurrent.GetProperty("max_in_flight").GetInt32()));
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(1400), $"latency_ms was not applied: {elapsed}");
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
