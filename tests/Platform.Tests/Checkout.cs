using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireShop.Platform.Tests;

/// <summary>What a buyer does at checkout, through the gateway, and what the tests check it against.</summary>
public static class Checkout
{
    public const string SuccessCard = "4242 4242 4242 4242";
    public const string DeclinedCard = "4000 0000 0000 0002";

    public static readonly object Address = new { name = "Ada Buyer", line1 = "1 Main Street", city = "Springfield", postalCode = "12345", country = "US" };

    public static async Task<HttpResponseMessage> PlaceAsync(HttpClient buyer, string? idempotencyKey, string card = SuccessCard, object? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(body ?? new { shippingAddress = Address, paymentMethod = card }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await buyer.SendAsync(request);
    }

    /// <summary>Places an order and returns its id, asserting the 202 and its Location.</summary>
    public static async Task<Guid> PlaceAcceptedAsync(HttpClient buyer, string card = SuccessCard)
    {
        using var response = await PlaceAsync(buyer, Guid.NewGuid().ToString(), card);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        var id = JsonNode.Parse(body)!["id"]!.GetValue<Guid>();
        Assert.Equal($"/api/orders/{id}", response.Headers.Location?.OriginalString);
        return id;
    }

    /// <summary>Polls the order until its saga is at rest (CONFIRMED or FAILED and nothing left to compensate).</summary>
    public static Task<JsonObject> WaitForStatusAsync(HttpClient buyer, Guid orderId, string status, TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            async () => (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}"))!,
            order => order["status"]!.GetValue<string>() == status,
            timeout ?? TimeSpan.FromSeconds(30),
            order => order.ToJsonString());

    /// <summary>Polls the order until its fulfillment (the sellers' shipments as Ordering knows them) has <paramref name="status"/>.</summary>
    public static Task<JsonObject> WaitForFulfillmentAsync(HttpClient buyer, Guid orderId, string status, TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            async () => (await buyer.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}"))!,
            order => order["fulfillment"]?["status"]?.GetValue<string>() == status,
            timeout ?? TimeSpan.FromSeconds(30),
            order => order.ToJsonString());

    /// <summary>Reads the order's Server-Sent Events through the gateway until the stream ends (the order at rest).</summary>
    public static async Task<List<JsonObject>> ReadEventsAsync(HttpClient buyer, Guid orderId, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{orderId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await buyer.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<JsonObject>();
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync(cancel.Token)).EnumerateAsync(cancel.Token))
        {
            events.Add(JsonNode.Parse(item.Data)!.AsObject());
        }

        return events;
    }

    /// <summary>The payment provider's own record of what it charged and refunded for an order (its test ledger endpoint).</summary>
    public static async Task<(List<JsonObject> Charges, List<JsonObject> Refunds)> LedgerAsync(PlatformFixture platform, Guid? orderId = null)
    {
        using var provider = await ProviderAsync(platform);
        var ledger = (await provider.GetFromJsonAsync<JsonObject>(orderId is { } id ? $"/v1/ledger?order_reference={id}" : "/v1/ledger"))!;
        return ([.. ledger["charges"]!.AsArray().Select(c => c!.AsObject())], [.. ledger["refunds"]!.AsArray().Select(r => r!.AsObject())]);
    }

    public static async Task<HttpClient> ProviderAsync(PlatformFixture platform)
    {
        var apiKey = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>().Single(p => p.Name == "payment-provider-api-key");
        return platform.CreateHttpClient("payment-provider", await apiKey.GetValueAsync(default));
    }

    /// <summary>On hand and reserved of one offer, read from Inventory's database (the source of truth for stock).</summary>
    public static async Task<(int OnHand, int Reserved)> StockAsync(PlatformFixture platform, Guid skuId, Guid sellerId)
    {
        await using var inventory = NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("inventorydb"));
        await using var command = inventory.CreateCommand("SELECT on_hand, reserved FROM stock WHERE sku_id = $1 AND seller_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    public static async Task AddToCartAsync(HttpClient buyer, Guid skuId, Guid sellerId, int quantity = 1)
    {
        using var added = await buyer.PostAsJsonAsync("/api/cart/items", new { skuId, sellerId, quantity });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
    }

    public static async Task<HttpClient> NewBuyerAsync(PlatformFixture platform)
    {
        using var identity = platform.CreateHttpClient("identity");
        var (email, password) = await PlatformIdentity.RegisterBuyerAsync(identity);
        return platform.CreateHttpClient("gateway", await PlatformIdentity.PasswordTokenAsync(identity, email, password));
    }
}
