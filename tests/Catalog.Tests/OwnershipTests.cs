using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AspireShop.Catalog.Tests.CatalogRequests;

namespace AspireShop.Catalog.Tests;

/// <summary>Ownership is checked in the service: another seller's attempt is refused and leaves the database as it was.</summary>
public sealed class OwnershipTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private CatalogApp App => fixture.App;

    [Fact]
    public async Task AnotherSellerCannotChangeOrDeleteTheProduct()
    {
        var sellerA = TestUser.NewSeller();
        var sellerB = TestUser.NewSeller();
        var product = await App.As(sellerA).CreateProductAsync();
        var before = await SnapshotAsync(product.Id);

        using var put = await App.As(sellerB).PutAsJsonAsync($"/api/catalog/products/{product.Id}", new
        {
            title = "Hijacked",
            description = "",
            brand = "B",
            category = "C",
            variants = new[] { new { code = $"B-{Guid.NewGuid():N}"[..20] } },
        }, Json);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);

        using var delete = await App.As(sellerB).DeleteAsync($"/api/catalog/products/{product.Id}");
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);

        Assert.Equal(before, await SnapshotAsync(product.Id));
    }

    [Fact]
    public async Task AnotherSellerCannotChangeOrWithdrawTheOwnersOffer()
    {
        var sellerA = TestUser.NewSeller();
        var sellerB = TestUser.NewSeller();
        var product = await App.As(sellerA).CreateProductAsync();
        var sku = product.Variants[0].Id;
        var before = await SnapshotAsync(product.Id);

        using var put = await App.As(sellerB).PutAsJsonAsync($"/api/catalog/skus/{sku}/offers/{sellerA.SellerId}", new { price = 0.99m }, Json);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        using var delete = await App.As(sellerB).DeleteAsync($"/api/catalog/skus/{sku}/offers/{sellerA.SellerId}");
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);

        // A seller_id claim that does not match the route is refused even with a valid body for an unknown SKU.
        using var unknown = await App.As(sellerB).PutAsJsonAsync($"/api/catalog/skus/{Guid.NewGuid()}/offers/{sellerA.SellerId}", new { price = 5m }, Json);
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);

        Assert.Equal(before, await SnapshotAsync(product.Id));
    }

    [Fact]
    public async Task AdminMayChangeAnyProductAndOffer()
    {
        var seller = TestUser.NewSeller();
        var product = await App.As(seller).CreateProductAsync();
        var admin = App.As(TestUser.NewAdmin());

        using var offer = await admin.PutAsJsonAsync($"/api/catalog/skus/{product.Variants[0].Id}/offers/{seller.SellerId}", new { price = 10m }, Json);
        Assert.Equal(HttpStatusCode.OK, offer.StatusCode);
        using var put = await admin.PutAsJsonAsync($"/api/catalog/products/{product.Id}", new
        {
            title = "Moderated title",
            description = "",
            brand = product.Brand,
            category = product.Category,
        }, Json);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("Moderated title", await App.QueryScalarAsync<string>("SELECT title FROM products WHERE id = $1", product.Id));
        // The owner stays the owner.
        Assert.Equal(seller.SellerId, await App.QueryScalarAsync<Guid>("SELECT seller_id FROM products WHERE id = $1", product.Id));

        using var delete = await admin.DeleteAsync($"/api/catalog/products/{product.Id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
    }

    [Fact]
    public async Task AnonymousWritesAre401AndReadsAreOpen()
    {
        var product = await App.As(TestUser.NewSeller()).CreateProductAsync();
        var anonymous = App.Anonymous();

        using var post = await anonymous.PostAsJsonAsync("/api/catalog/products", NewProduct(), Json);
        using var put = await anonymous.PutAsJsonAsync($"/api/catalog/products/{product.Id}", new { title = "x" }, Json);
        using var delete = await anonymous.DeleteAsync($"/api/catalog/products/{product.Id}");
        using var offer = await anonymous.PutAsJsonAsync($"/api/catalog/skus/{product.Variants[0].Id}/offers/{product.SellerId}", new { price = 1m }, Json);
        using var seed = await anonymous.PostAsync("/admin/catalog/seed", null);
        Assert.All([post, put, delete, offer, seed], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal("application/problem+json", post.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/catalog/products/{product.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/catalog/products")).StatusCode);
        Assert.Equal(product.Title, await App.QueryScalarAsync<string>("SELECT title FROM products WHERE id = $1", product.Id));
    }

    [Fact]
    public async Task CreatingNeedsTheSellerRoleAndASellerId()
    {
        using var noSellerId = await App.As(new TestUser(Guid.NewGuid(), null, AspireShopClaims.SellerRole)).PostAsJsonAsync("/api/catalog/products", NewProduct(), Json);
        using var noRole = await App.As(new TestUser(Guid.NewGuid(), Guid.NewGuid())).PostAsJsonAsync("/api/catalog/products", NewProduct(), Json);
        using var sellerSeeding = await App.As(TestUser.NewSeller()).PostAsync("/admin/catalog/seed", null);

        Assert.All([noSellerId, noRole, sellerSeeding], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal("application/problem+json", noRole.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TokensTheServiceCannotVerifyAreRejected()
    {
        var seller = TestUser.NewSeller();
        var otherKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "not-ours" };
        var unsigned = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestTokens.Issuer,
            Audience = AuthenticationExtensions.DefaultAudience,
            Claims = new Dictionary<string, object> { ["sub"] = seller.Id.ToString(), ["role"] = "seller", ["seller_id"] = seller.SellerId!.Value.ToString() },
        });
        var title = $"Forged {Guid.NewGuid():N}";
        string?[] tokens = [TestTokens.Issue(seller, lifetime: TimeSpan.FromMinutes(-2)), TestTokens.Issue(seller, signingKey: otherKey), unsigned];

        foreach (var token in tokens)
        {
            using var client = App.Anonymous();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.PostAsJsonAsync("/api/catalog/products", Titled(title), Json);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // The development headers of the first catalog issue are gone: they identify nobody now.
        using var headers = App.Anonymous();
        headers.DefaultRequestHeaders.Add("X-Dev-User", seller.Id.ToString());
        headers.DefaultRequestHeaders.Add("X-Dev-Roles", "seller");
        headers.DefaultRequestHeaders.Add("X-Dev-Seller-Id", seller.SellerId.Value.ToString());
        using var headerResponse = await headers.PostAsJsonAsync("/api/catalog/products", Titled(title), Json);
        Assert.Equal(HttpStatusCode.Unauthorized, headerResponse.StatusCode);

        Assert.Equal(0L, await App.QueryScalarAsync<long>("SELECT count(*) FROM products WHERE title = $1", title));
    }

    private static System.Text.Json.Nodes.JsonObject Titled(string title)
    {
        var product = NewProduct();
        product["title"] = title;
        return product;
    }

    private async Task<string?> SnapshotAsync(Guid productId) => await App.QueryScalarAsync<string>(
        """
        SELECT row_to_json(p)::text || coalesce((SELECT json_agg(s ORDER BY s.code)::text FROM skus s WHERE s.product_id = p.id), '')
            || coalesce((SELECT json_agg(o ORDER BY o.sku_id, o.seller_id)::text FROM offers o JOIN skus s ON s.id = o.sku_id WHERE s.product_id = p.id), '')
        FROM products p WHERE p.id = $1
        """,
        productId);
}
