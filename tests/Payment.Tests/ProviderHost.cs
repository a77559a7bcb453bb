extern alias ProviderApp;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Payment.Tests;

/// <summary>
/// The payment provider stand-in in-process (its real Program) on its own database of the fixture's Postgres (a fresh
/// one unless a test gives one, e.g. to restart on the same data), sending webhooks to <c>webhookUrl</c> if given.
/// </summary>
public sealed class ProviderHost : ServiceHost<ProviderApp::Program>
{
    public const string DefaultApiKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";
    public const string WebhookSecret = "whsec_test_provider_tests";

    private ProviderHost(IReadOnlyDictionary<string, string?> settings, string database, string apiKey)
        : base(settings)
    {
        Database = database;
        ApiKey = apiKey;
    }

    public string Database { get; }

    public string ApiKey { get; }

    // An external system with its own API keys: AspireShop's JWTs mean nothing to it.
    protected override bool AcceptsTestTokens => false;

    public static async Task<ProviderHost> StartAsync(
        InfrastructureFixture infrastructure, string? database = null, Uri? webhookUrl = null, string apiKey = DefaultApiKey)
    {
        database ??= await infrastructure.CreateDatabaseAsync("provider");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:providerdb"] = database,
            ["PaymentProvider:ApiKey"] = apiKey,
            ["PaymentProvider:WebhookSecret"] = WebhookSecret,
            ["PaymentProvider:WebhookPollInterval"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (webhookUrl is not null)
        {
            settings["PaymentProvider:WebhookUrl"] = webhookUrl.ToString();
        }

        var host = new ProviderHost(settings, database, apiKey);
        _ = host.Services;
        return host;
    }

    /// <summary>A client with the provider's API key.</summary>
    public HttpClient Api()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }

    public async Task<T?> QueryScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }
}

/// <summary>One answer of the provider: status, JSON body and headers.</summary>
public sealed record ProviderResponse(HttpStatusCode Status, JsonElement Body, HttpResponseHeaders Headers)
{
    public bool Replayed => Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";

    public string Id => Body.GetProperty("id").GetString()!;

    public JsonElement Error => Body.GetProperty("error");

    public string? ErrorField(string name) => Error.TryGetProperty(name, out var value) ? value.GetString() : null;
}

/// <summary>Calls of the provider's API as a client makes them (JSON bodies, optional Idempotency-Key).</summary>
public static class ProviderCalls
{
    public const string Visa = "4242424242424242";

    public static async Task<ProviderResponse> CallAsync(this HttpClient client, HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new ProviderResponse(response.StatusCode, json, response.Headers);
    }

    public static Task<ProviderResponse> PostJsonAsync(this HttpClient client, string path, object body, string? idempotencyKey = null) =>
        client.CallAsync(HttpMethod.Post, path, body, idempotencyKey);

    public static Task<ProviderResponse> GetJsonAsync(this HttpClient client, string path) => client.CallAsync(HttpMethod.Get, path);

    public static object Charge(string orderReference, long amount = 1999, string card = Visa, string currency = "usd") => new
    {
        amount,
        currency,
        payment_method = card,
        confirm = true,
        metadata = new Dictionary<string, string> { ["order_reference"] = orderReference },
    };

    public static Task<ProviderResponse> ChargeAsync(
        this HttpClient client, string orderReference, long amount = 1999, string card = Visa, string? idempotencyKey = null) =>
        client.PostJsonAsync("/v1/payment_intents", Charge(orderReference, amount, card), idempotencyKey);

    public static Task<ProviderResponse> RefundAsync(this HttpClient client, string paymentIntent, long? amount = null, string? idempotencyKey = null) =>
        client.PostJsonAsync(
            "/v1/refunds",
            amount is { } value ? new { payment_intent = paymentIntent, amount = value } : new { payment_intent = paymentIntent },
            idempotencyKey);

    public static async Task SetFaultsAsync(this HttpClient client, object faults)
    {
        var response = await client.CallAsync(HttpMethod.Put, "/v1/test/faults", faults);
        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    /// <summary>The ledger's (charges, refunds) of one order, or of everything.</summary>
    public static async Task<(JsonElement[] Charges, JsonElement[] Refunds)> LedgerAsync(this HttpClient client, string? orderReference = null)
    {
        var response = await client.GetJsonAsync(orderReference is null ? "/v1/ledger" : $"/v1/ledger?order_reference={Uri.EscapeDataString(orderReference)}");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        return ([.. response.Body.GetProperty("charges").EnumerateArray()], [.. response.Body.GetProperty("refunds").EnumerateArray()]);
    }

    public static string NewOrderReference() => Guid.NewGuid().ToString();
}
