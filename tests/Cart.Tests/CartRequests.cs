using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AspireShop.Cart.API.Apis;

namespace AspireShop.Cart.Tests;

/// <summary>Calls and assertions the cart tests share.</summary>
public static class CartRequests
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<CartView> GetCartAsync(this HttpClient client)
    {
        using var response = await client.GetAsync("/api/cart");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CartView>(Json))!;
    }

    public static Task<HttpResponseMessage> AddAsync(this HttpClient client, TestOffer offer, int quantity) =>
        client.PostAsJsonAsync("/api/cart/items", new { skuId = offer.SkuId, sellerId = offer.SellerId, quantity }, Json);

    /// <summary>Adds and asserts success (201 for a new line, 200 for more of an existing one).</summary>
    public static async Task<CartView> AddOkAsync(this HttpClient client, TestOffer offer, int quantity)
    {
        using var response = await client.AddAsync(offer, quantity);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<CartView>(body, Json)!;
    }

    public static Task<HttpResponseMessage> SetQuantityAsync(this HttpClient client, TestOffer offer, int quantity) =>
        client.PutAsJsonAsync($"/api/cart/items/{offer.SkuId}/{offer.SellerId}", new { quantity }, Json);

    public static Task<HttpResponseMessage> RemoveAsync(this HttpClient client, TestOffer offer) =>
        client.DeleteAsync($"/api/cart/items/{offer.SkuId}/{offer.SellerId}");

    public static Task<HttpResponseMessage> HoldAgainAsync(this HttpClient client, TestOffer offer) =>
        client.PostAsync($"/api/cart/items/{offer.SkuId}/{offer.SellerId}/hold", null);

    public static CartLineView LineOf(this CartView cart, TestOffer offer) =>
        Assert.Single(cart.Lines, l => l.SkuId == offer.SkuId && l.SellerId == offer.SellerId);

    /// <summary>The body of a ProblemDetails answer with the given status (asserting it is one).</summary>
    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        return problem;
    }

    /// <summary>The field names of a 400 ValidationProblem (asserting it is one).</summary>
    public static async Task<IReadOnlyCollection<string>> ValidationErrorsAsync(HttpResponseMessage response)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        return problem["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];
    }

    /// <summary>Equal as the API shows them (records holding dictionaries compare those by reference).</summary>
    public static void AssertSame<T>(T expected, T actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, Json), JsonSerializer.Serialize(actual, Json));
}
