using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using AspireShop.Catalog.API.Apis;
using AspireShop.Catalog.API.Data;
using AspireShop.Catalog.API.Extensions;
using Xunit.Abstractions;
using static AspireShop.Catalog.Tests.CatalogRequests;

namespace AspireShop.Catalog.Tests;

[Collection(TimingSensitive.Name)]
public sealed class SeederTests(CatalogFixture fixture, ITestOutputHelper output) : IClassFixture<CatalogFixture>
{
    private const string Fingerprint = """
        SELECT md5(string_agg(p.id::text || p.title || p.seller_id::text || p.attributes::text, ',' ORDER BY p.id))
            || (SELECT md5(string_agg(s.id::text || s.code || s.attributes::text, ',' ORDER BY s.id)) FROM skus s)
            || (SELECT md5(string_agg(o.sku_id::text || o.seller_id::text || o.price::text, ',' ORDER BY o.sku_id, o.seller_id)) FROM offers o)
        FROM products p
        """;

    [Fact]
    public async Task AdminSeedsTenThousandProductsQuicklyOnceAndTheSameEverywhere()
    {
        var admin = fixture.App.As(TestUser.NewAdmin());
        admin.Timeout = TimeSpan.FromMinutes(2);

        var started = Stopwatch.GetTimestamp();
        using var first = await admin.PostAsync(AdminApi.SeedPath, null);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var result = (await first.Content.ReadFromJsonAsync<SeedResult>(Json))!;
        output.WriteLine($"seeded {result.Products} products, {result.Skus} SKUs, {result.Offers} offers: {elapsed.TotalMilliseconds:F0} ms over HTTP ({result.ElapsedMs:F0} ms in the seeder)");

        Assert.True(result.Seeded);
        Assert.Equal(10_000, result.Products);
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"seeding took {elapsed}");
        Assert.Equal(10_000L, await fixture.App.QueryScalarAsync<long>("SELECT count(*) FROM products"));
        Assert.Equal((long)result.Skus, await fixture.App.QueryScalarAsync<long>("SELECT count(*) FROM skus"));
        Assert.Equal((long)result.Offers, await fixture.App.QueryScalarAsync<long>("SELECT count(*) FROM offers"));
        Assert.InRange(result.Skus, 10_000, 40_000);
        Assert.InRange(result.Offers, result.Skus, 3 * result.Skus);
        Assert.Equal(20L, await fixture.App.QueryScalarAsync<long>("SELECT count(DISTINCT category) FROM products"));
        Assert.Equal(60L, await fixture.App.QueryScalarAsync<long>("SELECT count(DISTINCT brand) FROM products"));
        Assert.InRange(await fixture.App.QueryScalarAsync<long>("SELECT count(DISTINCT seller_id) FROM offers"), 40, 50);
        // Variant attributes fit the category.
        Assert.Equal(0L, await fixture.App.QueryScalarAsync<long>(
            "SELECT count(*) FROM skus s JOIN products p ON p.id = s.product_id WHERE p.category = 'Apparel' AND NOT (s.attributes ? 'color' AND s.attributes ? 'size')"));
        Assert.Equal(0L, await fixture.App.QueryScalarAsync<long>(
            "SELECT count(*) FROM skus s JOIN products p ON p.id = s.product_id WHERE p.category = 'Smartphones' AND NOT (s.attributes ? 'storage' AND s.attributes ? 'color')"));

        using var second = await admin.PostAsync(AdminApi.SeedPath, null);
        Assert.False((await second.Content.ReadFromJsonAsync<SeedResult>(Json))!.Seeded);
        Assert.Equal(10_000L, await fixture.App.QueryScalarAsync<long>("SELECT count(*) FROM products"));

        // The `seed` process argument (migrate, then seed) on another database gives exactly the same catalog.
        var other = await fixture.Infrastructure.CreateDatabaseAsync("catalog_seed");
        Assert.Equal(0, await CatalogCommands.RunAsync([CatalogCommands.Seed, $"--ConnectionStrings:catalogdb={other}", "--Logging:LogLevel:Default=Warning"]));
        Assert.Equal(await fixture.App.QueryScalarAsync<string>(Fingerprint), await QueryAsync(other, Fingerprint));

        // The seeded products are served like any other.
        var firstProduct = CatalogSeedData.Generate(new SeedOptions())[0];
        var page = await fixture.App.Anonymous().GetPageAsync(firstProduct.Id);
        Assert.Equal(firstProduct.Title, page.Title);
        Assert.Equal(firstProduct.Skus.Count, page.Variants.Count);
    }

    [Fact]
    public void SameSeedGivesTheSameCatalogAndAnotherSeedAnother()
    {
        var a = CatalogSeedData.Generate(new SeedOptions { Products = 50 });
        var b = CatalogSeedData.Generate(new SeedOptions { Products = 50 });
        var c = CatalogSeedData.Generate(new SeedOptions { Products = 50, Seed = 7 });

        Assert.Equal(a.Select(p => (p.Id, p.Title)), b.Select(p => (p.Id, p.Title)));
        Assert.Equal(a.SelectMany(p => p.Skus).Select(s => (s.Id, s.Code)), b.SelectMany(p => p.Skus).Select(s => (s.Id, s.Code)));
        Assert.NotEqual(a[0].Id, c[0].Id);
        Assert.All(a.SelectMany(p => p.Skus), sku => Assert.InRange(sku.Offers.Count, 1, 3));
        Assert.All(a, p => Assert.InRange(p.Skus.Count, 1, 4));
    }

    internal static async Task<string?> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync();
    }
}
