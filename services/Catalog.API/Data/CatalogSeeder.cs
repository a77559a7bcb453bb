using System.Diagnostics;
using System.Text.Json;
using AspireShop.Catalog.API.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace AspireShop.Catalog.API.Data;

public sealed record SeedResult(bool Seeded, int Products, int Skus, int Offers, double ElapsedMs);

/// <summary>
/// Writes <see cref="CatalogSeedData"/> with binary COPY in one transaction (seconds for 10 000 products). Idempotent:
/// when the first generated product is already there, it does nothing. CDC publishes the copied rows like any others.
/// </summary>
public sealed partial class CatalogSeeder(CatalogContext context, IOptions<SeedOptions> options, ILogger<CatalogSeeder> logger)
{
    // Any fixed number: serialises concurrent seed requests, so the second one sees the first one's rows.
    private const long SeedLockKey = 0x_CA7A_1065_EED;

    public async Task<SeedResult> SeedAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var products = CatalogSeedData.Generate(options.Value);
        var generated = Stopwatch.GetElapsedTime(started);
        var strategy = context.Database.CreateExecutionStrategy();
        var seeded = await strategy.ExecuteAsync(
            (Context: context, Products: products),
            static async (_, state, token) => await CopyAsync(state.Context, state.Products, token),
            verifySucceeded: null,
            cancellationToken);

        var skus = products.Sum(p => p.Skus.Count);
        var offers = products.Sum(p => p.Skus.Sum(s => s.Offers.Count));
        var result = seeded
            ? new SeedResult(true, products.Count, skus, offers, Stopwatch.GetElapsedTime(started).TotalMilliseconds)
            : new SeedResult(false, 0, 0, 0, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        LogSeeded(result.Seeded, result.Products, result.Skus, result.Offers, result.ElapsedMs, generated.TotalMilliseconds);
        return result;
    }

    private static async Task<bool> CopyAsync(CatalogContext context, IReadOnlyList<Product> products, CancellationToken cancellationToken)
    {
        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
            await context.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({SeedLockKey})", cancellationToken);
            var firstId = products[0].Id;
            if (await context.Products.AnyAsync(p => p.Id == firstId, cancellationToken))
            {
                return false;
            }

            var connection = (NpgsqlConnection)context.Database.GetDbConnection();
            await CopyProductsAsync(connection, products, cancellationToken);
            await CopySkusAsync(connection, products, cancellationToken);
            await CopyOffersAsync(connection, products, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    private static async Task CopyProductsAsync(NpgsqlConnection connection, IReadOnlyList<Product> products, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY products (id, seller_id, title, description, brand, category, images, attributes, created_at, updated_at) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        foreach (var product in products)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(product.Id, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(product.SellerId, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(product.Title, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(product.Description, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(product.Brand, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(product.Category, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(JsonSerializer.Serialize(product.Images), NpgsqlDbType.Jsonb, cancellationToken);
            await writer.WriteAsync(JsonSerializer.Serialize(product.Attributes), NpgsqlDbType.Jsonb, cancellationToken);
            await writer.WriteAsync(product.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await writer.WriteAsync(product.UpdatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    private static async Task CopySkusAsync(NpgsqlConnection connection, IReadOnlyList<Product> products, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY skus (id, product_id, code, attributes) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var sku in products.SelectMany(p => p.Skus))
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(sku.Id, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(sku.ProductId, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(sku.Code, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(JsonSerializer.Serialize(sku.Attributes), NpgsqlDbType.Jsonb, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Through a temporary table: Postgres refuses COPY FROM into a table under row-level security (<see cref="OfferTenancy"/>),
    /// so the rows are copied beside it and inserted in one statement, which the policies check like any other insert.
    /// </summary>
    private static async Task CopyOffersAsync(NpgsqlConnection connection, IReadOnlyList<Product> products, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand("CREATE TEMPORARY TABLE offers_seed (LIKE offers INCLUDING DEFAULTS) ON COMMIT DROP", connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await CopyOffersIntoSeedAsync(connection, products, cancellationToken);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO offers (sku_id, seller_id, price, currency, updated_at) SELECT sku_id, seller_id, price, currency, updated_at FROM offers_seed",
            connection);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task CopyOffersIntoSeedAsync(NpgsqlConnection connection, IReadOnlyList<Product> products, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY offers_seed (sku_id, seller_id, price, currency, updated_at) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var offer in products.SelectMany(p => p.Skus).SelectMany(s => s.Offers))
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(offer.SkuId, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(offer.SellerId, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(offer.Price, NpgsqlDbType.Numeric, cancellationToken);
            await writer.WriteAsync(offer.Currency, NpgsqlDbType.Char, cancellationToken);
            await writer.WriteAsync(offer.UpdatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "Catalog seed: seeded={Seeded}, {Products} products, {Skus} SKUs, {Offers} offers in {ElapsedMs:F0} ms (generating: {GeneratedMs:F0} ms)")]
    private partial void LogSeeded(bool seeded, int products, int skus, int offers, double elapsedMs, double generatedMs);
}
