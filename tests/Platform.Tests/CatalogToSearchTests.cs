using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;

namespace AspireShop.Platform.Tests;

/// <summary>The whole path of the seed's chapter 3.1 in the running platform: catalog write → CDC → Kafka → search.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CatalogToSearchTests(PlatformFixture platform)
{
    [Fact]
    public async Task ProductWrittenToTheCatalogIsSearchableRenamedAndRemoved()
    {
        // Through the front door, as a demo seller with a real token from Identity.
        using var catalog = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var search = platform.CreateHttpClient("gateway");
        var word = $"zephyr{Guid.NewGuid():N}"[..14];

        using var created = await catalog.SendAsync(AsSeller(HttpMethod.Post, "/api/catalog/products", Product($"Trail jacket {word}")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();

        var found = await SearchUntilAsync(search, word, total => total == 1);
        Assert.Equal(id, found["items"]![0]!["id"]!.GetValue<Guid>());

        var renamed = $"quasar{Guid.NewGuid():N}"[..14];
        using var updated = await catalog.SendAsync(AsSeller(HttpMethod.Put, $"/api/catalog/products/{id}", Product($"Rain shell {renamed}")));
        Assert.True(updated.IsSuccessStatusCode, await updated.Content.ReadAsStringAsync());
        await SearchUntilAsync(search, renamed, total => total == 1);
        await SearchUntilAsync(search, word, total => total == 0);

        using var deleted = await catalog.SendAsync(AsSeller(HttpMethod.Delete, $"/api/catalog/products/{id}", content: null));
        Assert.True(deleted.IsSuccessStatusCode);
        await SearchUntilAsync(search, renamed, total => total == 0);
    }

    private static async Task<JsonObject> SearchUntilAsync(HttpClient search, string word, Func<long, bool> done) =>
        await Poll.UntilAsync(
            async () => (await search.GetFromJsonAsync<JsonObject>($"/api/search/products?q={word}"))!,
            page => done(page["total"]!.GetValue<long>()),
            TimeSpan.FromSeconds(10),
            page => $"search for {word}: {page.ToJsonString()}",
            TimeSpan.FromMilliseconds(50));

    private static HttpRequestMessage AsSeller(HttpMethod method, string path, JsonObject? content) =>
        new(method, path) { Content = content is null ? null : JsonContent.Create(content) };

    internal static JsonObject Product(string title)
    {
        var code = Guid.NewGuid().ToString("N")[..12];
        return new JsonObject
        {
            ["title"] = title,
            ["description"] = "Light shell for wet hikes.",
            ["brand"] = "Northwind",
            ["category"] = "Apparel",
            ["images"] = new JsonArray(),
            ["attributes"] = new JsonObject { ["material"] = "nylon" },
            ["variants"] = new JsonArray(new JsonObject
            {
                ["code"] = $"PT-{code}",
                ["attributes"] = new JsonObject { ["color"] = "green", ["size"] = "M" },
                ["price"] = 99.90m,
            }),
        };
    }
}
