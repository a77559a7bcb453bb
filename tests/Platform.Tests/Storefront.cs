using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;

namespace AspireShop.Platform.Tests;

/// <summary>
/// Sets up what a shopper needs, through the gateway with real tokens: one product of demo seller A whose SKU is also
/// offered by demo seller B, both with stock.
/// </summary>
public sealed record StorefrontProduct(Guid ProductId, Guid SkuId, string Word)
{
    public static async Task<StorefrontProduct> CreateAsync(PlatformFixture platform, int stockPerSeller = 10)
    {
        using var sellerA = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var sellerB = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerB));
        var word = $"journey{Guid.NewGuid():N}"[..16];

        using var created = await sellerA.PostAsJsonAsync("/api/catalog/products", CatalogToSearchTests.Product($"Trail runner {word}"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var product = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var productId = product["id"]!.GetValue<Guid>();
        var skuId = product["variants"]![0]!["id"]!.GetValue<Guid>();

        using var offerB = await sellerB.PutAsJsonAsync($"/api/catalog/skus/{skuId}/offers/{PlatformIdentity.DemoSellerBId}", new { price = 89.50m, currency = "USD" });
        Assert.True(offerB.IsSuccessStatusCode, await offerB.Content.ReadAsStringAsync());

        foreach (var (client, seller) in new[] { (sellerA, PlatformIdentity.DemoSellerAId), (sellerB, PlatformIdentity.DemoSellerBId) })
        {
            await SetStockAsync(client, skuId, seller, stockPerSeller);
        }

        return new StorefrontProduct(productId, skuId, word);
    }

    /// <summary>Sets stock of a new offer as its seller, once Catalog's event has told Inventory about it (404 until then).</summary>
    public static Task SetStockAsync(HttpClient seller, Guid skuId, Guid sellerId, int onHand) =>
        OfferedStock.SetAsync(seller, skuId, sellerId, onHand);
}
