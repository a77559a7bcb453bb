using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.Catalog.API.Apis;
using static AspireShop.Catalog.Tests.CatalogRequests;

namespace AspireShop.Catalog.Tests;

public sealed class ProductApiTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private CatalogApp App => fixture.App;

    [Fact]
    public async Task SellerCreatesAProductThatAnyoneCanRead()
    {
        var seller = TestUser.NewSeller();
        var created = await App.As(seller).CreateProductAsync();

        Assert.Equal(seller.SellerId, created.SellerId);
        var page = await App.Anonymous().GetPageAsync(created.Id);
        Assert.Equal(created.Title, page.Title);
        Assert.Equal("nylon", page.Attributes["material"]);
        Assert.Equal(["https://images.aspireshop.example/jacket/1.jpg"], page.Images);
        Assert.Equal(2, page.Variants.Count);
        var blue = page.Variants.Single(v => v.Attributes["color"] == "blue");
        var offer = Assert.Single(blue.Offers);
        Assert.Equal((seller.SellerId!.Value, 134.50m, "EUR"), (offer.SellerId, offer.Price, offer.Currency));
        // Inventory is unreachable and Redis has no entry: the page still answers, with "unknown".
        Assert.All(page.Variants.SelectMany(v => v.Offers), o => Assert.Equal(("unknown", (int?)null), (o.Availability.Status, o.Availability.Available)));

        Assert.Equal(2L, await App.QueryScalarAsync<long>("SELECT count(*) FROM skus WHERE product_id = $1", created.Id));
        Assert.Equal("{\"material\": \"nylon\"}", await App.QueryScalarAsync<string>("SELECT attributes::text FROM products WHERE id = $1", created.Id));
    }

    [Fact]
    public async Task ListingFiltersAndPages()
    {
        var seller = TestUser.NewSeller();
        var client = App.As(seller);
        var brand = $"Brand-{Guid.NewGuid():N}"[..20];
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var product = NewProduct();
            product["brand"] = brand;
            ids.Add((await client.CreateProductAsync(product)).Id);
        }

        var list = await App.Anonymous().GetFromJsonAsync<ProductList>($"/api/catalog/products?brand={brand}&pageSize=2&page=1", Json);
        Assert.Equal(3, list!.Total);
        Assert.Equal(2, list.Items.Count);
        Assert.Equal(ids[2], list.Items[0].Id);
        Assert.Equal(129.99m, list.Items[0].PriceFrom);
        Assert.Equal("https://images.aspireshop.example/jacket/1.jpg", list.Items[0].Image);

        var second = await App.Anonymous().GetFromJsonAsync<ProductList>($"/api/catalog/products?brand={brand}&pageSize=2&page=2", Json);
        Assert.Equal(ids[0], Assert.Single(second!.Items).Id);

        var bySeller = await App.Anonymous().GetFromJsonAsync<ProductList>($"/api/catalog/products?sellerId={seller.SellerId}&category=Apparel", Json);
        Assert.Equal(ids.AsEnumerable().Reverse(), bySeller!.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task OwnerUpdatesFieldsAndVariantsAndTheCachedPageFollows()
    {
        var seller = TestUser.NewSeller();
        var client = App.As(seller);
        var created = await client.CreateProductAsync();
        var before = await App.Anonymous().GetPageAsync(created.Id);

        var existingCode = created.Variants[0].Code;
        var newCode = $"NEW-{Guid.NewGuid():N}"[..20];
        using var response = await client.PutAsJsonAsync($"/api/catalog/products/{created.Id}", new
        {
            title = "Renamed jacket",
            description = "Now lighter.",
            brand = "Northwind",
            category = "Outdoor",
            images = new List<string> { "https://images.aspireshop.example/jacket/2.jpg" },
            attributes = new Dictionary<string, string> { ["material"] = "gore-tex" },
            variants = new object[]
            {
                new { code = existingCode, attributes = new Dictionary<string, string> { ["color"] = "green", ["size"] = "M" } },
                new { code = newCode, attributes = new Dictionary<string, string> { ["color"] = "black", ["size"] = "S" } },
            },
        }, Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var after = await App.Anonymous().GetPageAsync(created.Id);
        Assert.Equal("Renamed jacket", after.Title);
        Assert.Equal("Outdoor", after.Category);
        Assert.Equal("gore-tex", after.Attributes["material"]);
        Assert.Equal(3, after.Variants.Count);
        Assert.Equal("green", after.Variants.Single(v => v.Code == existingCode).Attributes["color"]);
        Assert.Empty(after.Variants.Single(v => v.Code == newCode).Offers);
        Assert.True(after.UpdatedAt > before.UpdatedAt);
    }

    [Fact]
    public async Task OffersAreUpsertedAndWithdrawnAndThePageFollows()
    {
        var owner = TestUser.NewSeller();
        var created = await App.As(owner).CreateProductAsync();
        var sku = created.Variants[0].Id;
        await App.Anonymous().GetPageAsync(created.Id);

        // A second seller can sell the same SKU.
        var rival = TestUser.NewSeller();
        using (var put = await App.As(rival).PutAsJsonAsync($"/api/catalog/skus/{sku}/offers/{rival.SellerId}", new { price = 99.5m, currency = "usd" }, Json))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var offer = await put.Content.ReadFromJsonAsync<OfferResponse>(Json);
            Assert.Equal((99.5m, "USD"), (offer!.Price, offer.Currency));
        }

        using (var update = await App.As(owner).PutAsJsonAsync($"/api/catalog/skus/{sku}/offers/{owner.SellerId}", new { price = 120m }, Json))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        var page = await App.Anonymous().GetPageAsync(created.Id);
        var offers = page.Variants.Single(v => v.Id == sku).Offers;
        Assert.Equal([(rival.SellerId!.Value, 99.5m), (owner.SellerId!.Value, 120m)], offers.Select(o => (o.SellerId, o.Price)));

        using (var delete = await App.As(rival).DeleteAsync($"/api/catalog/skus/{sku}/offers/{rival.SellerId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal([owner.SellerId!.Value], (await App.Anonymous().GetPageAsync(created.Id)).Variants.Single(v => v.Id == sku).Offers.Select(o => o.SellerId));
        using var again = await App.As(rival).DeleteAsync($"/api/catalog/skus/{sku}/offers/{rival.SellerId}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var unknownSku = await App.As(rival).PutAsJsonAsync($"/api/catalog/skus/{Guid.NewGuid()}/offers/{rival.SellerId}", new { price = 1m }, Json);
        Assert.Equal(HttpStatusCode.NotFound, unknownSku.StatusCode);
    }

    [Fact]
    public async Task OwnerDeletesAProductWithItsSkusAndOffers()
    {
        var seller = TestUser.NewSeller();
        var created = await App.As(seller).CreateProductAsync();
        await App.Anonymous().GetPageAsync(created.Id);

        using var delete = await App.As(seller).DeleteAsync($"/api/catalog/products/{created.Id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using var page = await App.Anonymous().GetAsync($"/api/catalog/products/{created.Id}");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        var skuIds = created.Variants.Select(v => v.Id).ToArray();
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM skus WHERE product_id = $1", created.Id));
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM offers WHERE sku_id = ANY($1)", skuIds));
        using var again = await App.As(seller).DeleteAsync($"/api/catalog/products/{created.Id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    public static TheoryData<string, Action<JsonObject>> InvalidProducts => new()
    {
        { "title", p => p["title"] = "   " },
        { "title", p => p.Remove("title") },
        { "title", p => p["title"] = new string('x', 201) },
        { "brand", p => p["brand"] = "" },
        { "category", p => p["category"] = null },
        { "images[0]", p => p["images"] = new JsonArray("not a url") },
        { "variants", p => p["variants"] = new JsonArray() },
        { "variants[0].price", p => p["variants"]![0]!["price"] = 0 },
        { "variants[1].price", p => p["variants"]![1]!["price"] = -5 },
        { "variants[0].price", p => p["variants"]![0]!["price"] = 1.005m },
        { "variants[0].currency", p => p["variants"]![0]!["currency"] = "US" },
        { "variants[0].currency", p => p["variants"]![0]!["currency"] = "EURO" },
        { "variants[0].code", p => p["variants"]![0]!["code"] = "" },
        { "variants[0].code", p => p["variants"]![0]!["code"] = "has space" },
        { "variants[1].code", p => p["variants"]![1]!["code"] = p["variants"]![0]!["code"]!.GetValue<string>() },
        { "attributes.weight", p => p["attributes"] = new JsonObject { ["weight"] = 12 } },
        { "attributes", p => p["attributes"] = new JsonArray("a", "b") },
        { "attributes", p => p["attributes"] = "flat string" },
        { "variants[0].attributes.size", p => p["variants"]![0]!["attributes"] = new JsonObject { ["size"] = new JsonObject() } },
        { "variants[0].price", p => p["variants"]![0]!["price"] = "cheap" },
    };

    [Theory]
    [MemberData(nameof(InvalidProducts))]
    public async Task InvalidProductIsRejectedNamingTheFieldAndNothingIsWritten(string field, Action<JsonObject> spoil)
    {
        var seller = TestUser.NewSeller();
        var product = NewProduct();
        spoil(product);

        using var response = await App.As(seller).PostAsJsonAsync("/api/catalog/products", product, Json);

        Assert.Contains(field, await ValidationErrorsAsync(response));
        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM products WHERE seller_id = $1", seller.SellerId!.Value));
    }

    [Fact]
    public async Task SkuCodeOfAnotherProductIsRejected()
    {
        var seller = TestUser.NewSeller();
        var first = await App.As(seller).CreateProductAsync();
        var product = NewProduct();
        product["variants"]![1]!["code"] = first.Variants[0].Code;

        using var response = await App.As(seller).PostAsJsonAsync("/api/catalog/products", product, Json);

        Assert.Contains("variants[1].code", await ValidationErrorsAsync(response));
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM products WHERE seller_id = $1", seller.SellerId!.Value));
    }

    [Fact]
    public async Task InvalidUpdateChangesNothing()
    {
        var seller = TestUser.NewSeller();
        var created = await App.As(seller).CreateProductAsync();

        using var response = await App.As(seller).PutAsJsonAsync($"/api/catalog/products/{created.Id}", new
        {
            title = "",
            description = "x",
            brand = "b",
            category = "c",
            variants = new[] { new { code = "OK-CODE-1" }, new { code = "OK-CODE-1" } },
        }, Json);

        var errors = await ValidationErrorsAsync(response);
        Assert.Contains("title", errors);
        Assert.Contains("variants[1].code", errors);
        Assert.Equal(created.Title, await App.QueryScalarAsync<string>("SELECT title FROM products WHERE id = $1", created.Id));
        Assert.Equal(2L, await App.QueryScalarAsync<long>("SELECT count(*) FROM skus WHERE product_id = $1", created.Id));
    }

    [Theory]
    [InlineData("price", 0, "USD")]
    [InlineData("price", -1, "USD")]
    [InlineData("currency", 10, "EURO")]
    [InlineData("currency", 10, "1$A")]
    public async Task InvalidOfferIsRejectedAndTheOfferStays(string field, decimal price, string currency)
    {
        var seller = TestUser.NewSeller();
        var created = await App.As(seller).CreateProductAsync();
        var sku = created.Variants[0].Id;

        using var response = await App.As(seller).PutAsJsonAsync($"/api/catalog/skus/{sku}/offers/{seller.SellerId}", new { price, currency }, Json);

        Assert.Contains(field, await ValidationErrorsAsync(response));
        Assert.Equal(created.Variants[0].Offers[0].Price, await App.QueryScalarAsync<decimal>("SELECT price FROM offers WHERE sku_id = $1", sku));
    }

    [Theory]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("page=0", "page")]
    public async Task PagingOutOfRangeIsRejected(string query, string field)
    {
        using var response = await App.Anonymous().GetAsync($"/api/catalog/products?{query}");
        Assert.Contains(field, await ValidationErrorsAsync(response));
    }

    [Fact]
    public async Task MalformedQueryValueIsA400ProblemNotA500()
    {
        using var response = await App.Anonymous().GetAsync("/api/catalog/products?sellerId=not-a-guid");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("sellerId", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnknownProductAndUnknownRouteAre404ProblemDetails()
    {
        using var product = await App.Anonymous().GetAsync($"/api/catalog/products/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, product.StatusCode);

        using var route = await App.Anonymous().GetAsync("/api/catalog/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, route.StatusCode);
        Assert.Equal("application/problem+json", route.Content.Headers.ContentType?.MediaType);
    }
}
