using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AspireShop.Catalog.API.Apis;
using AspireShop.Catalog.API.Services;

namespace AspireShop.Catalog.Tests;

/// <summary>Request bodies and calls the tests share.</summary>
public static class CatalogRequests
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A valid product with two variants priced by the caller; codes are unique per call.</summary>
    public static JsonObject NewProduct(string? title = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        return new JsonObject
        {
            ["title"] = title ?? $"Trail Jacket {suffix}",
            ["description"] = "Waterproof shell for wet hikes.",
            ["brand"] = "Northwind",
            ["category"] = "Apparel",
            ["images"] = new JsonArray("https://images.aspireshop.example/jacket/1.jpg"),
            ["attributes"] = new JsonObject { ["material"] = "nylon" },
            ["variants"] = new JsonArray(
                new JsonObject
                {
                    ["code"] = $"JKT-{suffix}-RM",
                    ["attributes"] = new JsonObject { ["color"] = "red", ["size"] = "M" },
                    ["price"] = 129.99m,
                },
                new JsonObject
                {
                    ["code"] = $"JKT-{suffix}-BL",
                    ["attributes"] = new JsonObject { ["color"] = "blue", ["size"] = "L" },
                    ["price"] = 134.50m,
                    ["currency"] = "EUR",
                }),
        };
    }

    public static async Task<ProductDocument> CreateProductAsync(this HttpClient client, JsonObject? product = null)
    {
        using var response = await client.PostAsJsonAsync("/api/catalog/products", product ?? NewProduct(), Json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ProductDocument>(Json))!;
    }

    public static async Task<ProductPage> GetPageAsync(this HttpClient client, Guid productId)
    {
        using var response = await client.GetAsync($"/api/catalog/products/{productId}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<ProductPage>(Json))!;
    }

    /// <summary>The field names of a 400 ValidationProblem (asserting it is one).</summary>
    public static async Task<IReadOnlyCollection<string>> ValidationErrorsAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        return problem["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];
    }
}
