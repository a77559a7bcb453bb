using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Npgsql;
using Xunit.Abstractions;

namespace AspireShop.Platform.Tests;

/// <summary>
/// Text a database cannot store or a parser refuses, sent through the gateway the way a careless or hostile client
/// sends it: every answer is a 4xx ProblemDetails naming what was wrong, never a 500, and nothing is written.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class BadTextTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const string Nul = "\0";

    private sealed record Case(string Name, string Field, HttpMethod Method, string Path, string? Token, Func<HttpContent> Body);

    [Fact]
    public async Task ANulCharacterInAnyTextFieldIsA400NamingTheFieldAndWritesNothing()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        var seller = await platform.TokenAsync(PlatformIdentity.DemoSellerA);
        var admin = await platform.TokenAsync(PlatformIdentity.DemoAdmin);
        var a = PlatformIdentity.DemoSellerAId;
        var word = $"nul{Guid.NewGuid():N}"[..16];
        var email = $"nul-{word}@example.test";

        JsonObject ProductWith(Action<JsonObject> change)
        {
            var body = CatalogToSearchTests.Product($"Nul probe {word}");
            change(body);
            return body;
        }

        Case[] cases =
        [
            new("register: email", "email", HttpMethod.Post, "/auth/register", null,
                () => JsonContent.Create(new { email = $"nul-{word}{Nul}@example.test", password = "Correct-Horse-9", name = "Nul" })),
            new("register: name", "name", HttpMethod.Post, "/auth/register", null,
                () => JsonContent.Create(new { email, password = "Correct-Horse-9", name = $"Nul{Nul}name" })),
            new("token: username, anonymous", "username", HttpMethod.Post, "/auth/connect/token", null, () => new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = "aspireshop-cli", ["username"] = $"buyer{Nul}@example.test", ["password"] = "Correct-Horse-9",
            })),
            new("create a user: name", "name", HttpMethod.Post, "/auth/users", admin, () => JsonContent.Create(new
            {
                email, password = "Correct-Horse-9", name = $"Nul{Nul}", role = "buyer",
            })),
            new("product: title", "title", HttpMethod.Post, "/api/catalog/products", seller,
                () => JsonContent.Create(ProductWith(p => p["title"] = $"Nul{Nul}title {word}"))),
            new("product: description", "description", HttpMethod.Post, "/api/catalog/products", seller,
                () => JsonContent.Create(ProductWith(p => p["description"] = $"Nul{Nul}description"))),
            new("product: attribute value", "attributes.material", HttpMethod.Post, "/api/catalog/products", seller,
                () => JsonContent.Create(ProductWith(p => p["attributes"] = new JsonObject { ["material"] = $"ny{Nul}lon" }))),
            new("product: attribute name", "attributes", HttpMethod.Post, "/api/catalog/products", seller,
                () => JsonContent.Create(ProductWith(p => p["attributes"] = new JsonObject { [$"mat{Nul}erial"] = "nylon" }))),
            new("stock adjustment: reason", "reason", HttpMethod.Post, $"/api/inventory/stock/{product.SkuId}/{a}/adjustments", seller,
                () => JsonContent.Create(new { delta = 5, reason = $"recount{Nul}" })),
            new("search: query", "q", HttpMethod.Get, $"/api/search/products?q={word}%00", null, () => new StringContent("")),
        ];

        using var gateway = platform.CreateHttpClient("gateway");
        var failures = new List<string>();
        foreach (var @case in cases)
        {
            using var request = new HttpRequestMessage(@case.Method, @case.Path);
            if (@case.Method != HttpMethod.Get)
            {
                request.Content = @case.Body();
            }

            if (@case.Token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", @case.Token);
            }

            using var response = await gateway.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{@case.Name,-28} → {(int)response.StatusCode} {body}");
            var errors = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonNode.Parse(body)?["errors"]?.AsObject() : null;
            if (response.StatusCode != HttpStatusCode.BadRequest || errors is null || !errors.Any(e => e.Key == @case.Field || e.Key.StartsWith(@case.Field + ".", StringComparison.Ordinal)))
            {
                failures.Add($"{@case.Name}: {(int)response.StatusCode}, expected 400 naming '{@case.Field}': {body}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));

        // Nothing was written: the refused user can still register, the refused products are not in the catalog, and
        // the stock did not move.
        using var registered = await gateway.PostAsJsonAsync("/auth/register", new { email, password = "Correct-Horse-9", name = "Now valid" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        using var sellerClient = platform.CreateHttpClient("gateway", seller);
        var stock = await sellerClient.GetFromJsonAsync<JsonObject>($"/api/inventory/stock/{product.SkuId}/{a}");
        Assert.Equal(10, stock!["onHand"]!.GetValue<int>());
        await using var catalog = NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("catalogdb"));
        await using var count = catalog.CreateCommand("SELECT count(*) FROM products WHERE title LIKE '%' || $1 || '%'");
        count.Parameters.Add(new NpgsqlParameter { Value = word });
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task AFormFieldNameOverTheLimitIsA400AndAFormWhereJsonBelongsIsA415()
    {
        using var gateway = platform.CreateHttpClient("gateway");
        var longName = new string('k', 2_049);
        var failures = new List<string>();
        foreach (var path in new[] { "/auth/connect/token", "/auth/register", "/auth/account/login" })
        {
            using var response = await gateway.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                [longName] = "x",
            }));
            var body = await response.Content.ReadAsStringAsync();
            output.WriteLine($"long field name {path} → {(int)response.StatusCode} {body}");
            if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"long field name to {path}: {(int)response.StatusCode}, expected a 400 ProblemDetails: {body}");
            }
        }

        // A small, well-formed form to an endpoint that takes JSON, and no form to one that takes only a form.
        using (var form = await gateway.PostAsync("/auth/register", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "a@example.test" })))
        {
            output.WriteLine($"form to /auth/register → {(int)form.StatusCode}");
            if (form.StatusCode != HttpStatusCode.UnsupportedMediaType)
            {
                failures.Add($"a form to /auth/register: {(int)form.StatusCode}, expected 415");
            }
        }

        using (var json = await gateway.PostAsJsonAsync("/auth/account/login", new { email = "a@example.test" }))
        {
            output.WriteLine($"JSON to /auth/account/login → {(int)json.StatusCode}");
            if (json.StatusCode != HttpStatusCode.UnsupportedMediaType)
            {
                failures.Add($"JSON to the sign-in form: {(int)json.StatusCode}, expected 415");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }
}
