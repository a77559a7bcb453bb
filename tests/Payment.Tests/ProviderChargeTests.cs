using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AspireShop.Payment.Tests;

/// <summary>Charges as the test cards decide them, the wire format, the API key and validation.</summary>
public sealed partial class ProviderChargeTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private ProviderHost Provider => fixture.Provider;

    [Theory]
    [InlineData("4242424242424242")]
    [InlineData("4242 4242 4242 4242")]
    [InlineData("pm_card_visa")]
    public async Task TheSuccessCardIsAuthorisedAndCapturedAtOnce(string card)
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();

        var response = await client.PostJsonAsync("/v1/payment_intents", new
        {
            amount = 1999,
            currency = "USD",
            payment_method = card,
            confirm = true,
            metadata = new Dictionary<string, string> { ["order_reference"] = order, ["note"] = "x" },
        });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var intent = response.Body;
        Assert.Matches(PaymentIntentId(), response.Id);
        Assert.Equal("payment_intent", intent.GetProperty("object").GetString());
        Assert.Equal(("succeeded", 1999L, 1999L, 0L), Summary(intent));
        Assert.Equal("usd", intent.GetProperty("currency").GetString());
        Assert.Equal(card.Replace(" ", "", StringComparison.Ordinal), intent.GetProperty("payment_method").GetString());
        Assert.Equal(order, intent.GetProperty("metadata").GetProperty("order_reference").GetString());
        Assert.Equal(JsonValueKind.Null, intent.GetProperty("last_payment_error").ValueKind);
        Assert.InRange(intent.GetProperty("created").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        Assert.False(response.Replayed);

        var fetched = await client.GetJsonAsync($"/v1/payment_intents/{response.Id}");
        Assert.Equal(HttpStatusCode.OK, fetched.Status);
        Assert.Equal(intent.GetRawText(), fetched.Body.GetRawText());

        var (charges, refunds) = await client.LedgerAsync(order);
        var charge = Assert.Single(charges);
        Assert.Equal((response.Id, order, 1999L, "usd"), (charge.GetProperty("payment_intent").GetString(), charge.GetProperty("order_reference").GetString(), charge.GetProperty("amount").GetInt64(), charge.GetProperty("currency").GetString()));
        Assert.Empty(refunds);
    }

    [Theory]
    [InlineData("4000000000000002", "card_declined", "generic_decline")]
    [InlineData("pm_card_chargeDeclined", "card_declined", "generic_decline")]
    [InlineData("4000 0000 0000 9995", "card_declined", "insufficient_funds")]
    [InlineData("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds")]
    [InlineData("4000000000000119", "processing_error", null)]
    [InlineData("pm_card_chargeDeclinedProcessingError", "processing_error", null)]
    [InlineData("5555555555554444", "card_declined", "generic_decline")]
    public async Task FailureCardsAreDeclinedWith402AndTheFailedIntentIsKept(string card, string code, string? declineCode)
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();

        var response = await client.ChargeAsync(order, card: card);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.Status);
        Assert.Equal("card_error", response.ErrorField("type"));
        Assert.Equal(code, response.ErrorField("code"));
        Assert.Equal(declineCode, response.ErrorField("decline_code"));
        Assert.False(string.IsNullOrEmpty(response.ErrorField("message")));
        var intent = response.Error.GetProperty("payment_intent");
        Assert.Equal(("requires_payment_method", 1999L, 0L, 0L), Summary(intent));
        Assert.Equal(code, intent.GetProperty("last_payment_error").GetProperty("code").GetString());

        var id = intent.GetProperty("id").GetString()!;
        var stored = await client.GetJsonAsync($"/v1/payment_intents/{id}");
        Assert.Equal(HttpStatusCode.OK, stored.Status);
        Assert.Equal("requires_payment_method", stored.Body.GetProperty("status").GetString());
        Assert.Equal(declineCode, stored.Body.GetProperty("last_payment_error").TryGetProperty("decline_code", out var d) ? d.GetString() : null);

        var (charges, _) = await client.LedgerAsync(order);
        Assert.Empty(charges);
        var listed = await client.GetJsonAsync($"/v1/payment_intents?order_reference={order}");
        Assert.Equal(id, Assert.Single(listed.Body.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task AnOrdersIntentsAreListedOldestFirstAndOnlyThem()
    {
        using var client = Provider.Api();
        var order = ProviderCalls.NewOrderReference();
        var first = await client.ChargeAsync(order, card: "4000000000000002");
        var second = await client.ChargeAsync(order);
        await client.ChargeAsync(ProviderCalls.NewOrderReference());

        var listed = await client.GetJsonAsync($"/v1/payment_intents?order_reference={order}");

        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.Equal("list", listed.Body.GetProperty("object").GetString());
        Assert.Equal(
            [first.Error.GetProperty("payment_intent").GetProperty("id").GetString()!, second.Id],
            listed.Body.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToArray());
    }

    [Theory]
    [InlineData("""{"amount":0,"currency":"usd","payment_method":"4242424242424242","confirm":true}""", "amount")]
    [InlineData("""{"amount":19.99,"currency":"usd","payment_method":"4242424242424242","confirm":true}""", "amount")]
    [InlineData("""{"amount":"1999","currency":"usd","payment_method":"4242424242424242","confirm":true}""", "amount")]
    [InlineData("""{"currency":"usd","payment_method":"4242424242424242","confirm":true}""", "amount")]
    [InlineData("""{"amount":1999,"currency":"us","payment_method":"4242424242424242","confirm":true}""", "currency")]
    [InlineData("""{"amount":1999,"currency":"u$d","payment_method":"4242424242424242","confirm":true}""", "currency")]
    [InlineData("""{"amount":1999,"currency":"usd","confirm":true}""", "payment_method")]
    [InlineData("""{"amount":1999,"currency":"usd","payment_method":"  ","confirm":true}""", "payment_method")]
    [InlineData("""{"amount":1999,"currency":"usd","payment_method":"4242424242424242","confirm":false}""", "confirm")]
    [InlineData("""{"amount":1999,"currency":"usd","payment_method":"4242424242424242","metadata":{"order_reference":1}}""", "metadata[order_reference]")]
    [InlineData("""{"amount":1999,"currency":"usd","payment_method":"4242424242424242","metadata":{"order_reference":"a\u0000b"}}""", "metadata[order_reference]")]
    [InlineData("""{"amount":1999,"currency":"usd","payment_method":"4242424242424242","capture_method":"manual"}""", "capture_method")]
    public async Task InvalidParametersAre400NamingTheParamAndCreateNothing(string json, string param)
    {
        using var client = Provider.Api();
        var before = await Provider.QueryScalarAsync<long>("SELECT count(*) FROM payment_intents");

        using var response = await client.PostAsync("/v1/payment_intents", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(param, body.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(before, await Provider.QueryScalarAsync<long>("SELECT count(*) FROM payment_intents"));
    }

    [Fact]
    public async Task EveryV1CallNeedsTheApiKeyButUnknownPathsStay404()
    {
        using var anonymous = Provider.CreateClient();
        using var wrongKey = Provider.CreateClient();
        wrongKey.DefaultRequestHeaders.Authorization = new("Bearer", "sk_test_wrong");
        using var client = Provider.Api();

        foreach (var caller in new[] { anonymous, wrongKey })
        {
            foreach (var (method, path) in new[] { (HttpMethod.Post, "/v1/payment_intents"), (HttpMethod.Get, "/v1/payment_intents/pi_x"), (HttpMethod.Post, "/v1/refunds"), (HttpMethod.Get, "/v1/ledger"), (HttpMethod.Put, "/v1/test/faults"), (HttpMethod.Get, "/v1/test/stats") })
            {
                var response = await caller.CallAsync(method, path, new { mode = "decline_all" });
                Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
                Assert.Equal("""{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}""", response.Body.GetRawText());
            }
        }

        // Nothing was switched by the refused PUTs.
        Assert.Equal("none", (await client.GetJsonAsync("/v1/test/faults")).Body.GetProperty("mode").GetString());

        foreach (var caller in new[] { anonymous, client })
        {
            using var unknown = await caller.GetAsync("/v1/charges");
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            using var elsewhere = await caller.GetAsync("/nothing/here");
            Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        }

        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var document = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var missing = await client.GetJsonAsync("/v1/payment_intents/pi_000000000000000000000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(("invalid_request_error", "resource_missing"), (missing.ErrorField("type"), missing.ErrorField("code")));
    }

    private static (string?, long, long, long) Summary(JsonElement intent) => (
        intent.GetProperty("status").GetString(),
        intent.GetProperty("amount").GetInt64(),
        intent.GetProperty("amount_received").GetInt64(),
        intent.GetProperty("amount_refunded").GetInt64());

    [GeneratedRegex("^pi_[0-9a-f]{24}$")]
    private static partial Regex PaymentIntentId();
}
