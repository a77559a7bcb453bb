using System.Text.Json;
using Npgsql;

namespace AspireShop.Search.Tests;

public sealed record OfferSpec(decimal Price, string Currency = "EUR", Guid? SellerId = null);

public sealed record VariantSpec(IReadOnlyDictionary<string, string> Attributes, params OfferSpec[] Offers);

public sealed record ProductSpec(
    string Title,
    string? Description = null,
    string? Brand = null,
    string? Category = null,
    IReadOnlyDictionary<string, string>? Attributes = null,
    IReadOnlyList<VariantSpec>? Variants = null,
    DateTimeOffset? CreatedAt = null);

public sealed record SeededOffer(Guid SkuId, Guid SellerId);

public sealed record SeededProduct(Guid Id, IReadOnlyList<Guid> SkuIds, IReadOnlyList<SeededOffer> Offers);

/// <summary>Writes the "catalog" tables as the Catalog service will: products, their SKUs and the sellers' offers.</summary>
public static class CatalogData
{
    /// <summary>The Catalog service's contract, with the replica identity CDC needs for full before-images.</summary>
    public const string Ddl =
        """
        CREATE TABLE products (id uuid PRIMARY KEY, seller_id uuid NOT NULL, title varchar(200) NOT NULL, description text,
          brand varchar(100), category varchar(100), images jsonb NOT NULL DEFAULT '[]', attributes jsonb NOT NULL DEFAULT '{}',
          created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE skus (id uuid PRIMARY KEY, product_id uuid NOT NULL REFERENCES products ON DELETE CASCADE,
          code varchar(64) NOT NULL UNIQUE, attributes jsonb NOT NULL DEFAULT '{}');
        CREATE TABLE offers (sku_id uuid NOT NULL REFERENCES skus ON DELETE CASCADE, seller_id uuid NOT NULL,
          price numeric(12,2) NOT NULL, currency char(3) NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (sku_id, seller_id));
        ALTER TABLE products REPLICA IDENTITY FULL;
        ALTER TABLE skus REPLICA IDENTITY FULL;
        ALTER TABLE offers REPLICA IDENTITY FULL;
        """;

    public static readonly Guid DefaultSeller = Guid.Parse("5e11e500-0000-4000-8000-000000000001");

    /// <summary>Inserts the products (with SKUs and offers) in one transaction, as one CDC transaction.</summary>
    public static async Task<List<SeededProduct>> AddAsync(NpgsqlDataSource catalog, params ProductSpec[] products)
    {
        await using var connection = await catalog.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var seeded = new List<SeededProduct>();
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var spec in products)
        {
            var id = Guid.NewGuid();
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO products (id, seller_id, title, description, brand, category, attributes, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
                """,
                id, DefaultSeller, spec.Title, spec.Description, spec.Brand, spec.Category,
                JsonSerializer.Serialize(spec.Attributes ?? new Dictionary<string, string>()), spec.CreatedAt ?? DateTimeOffset.UtcNow));
            var skuIds = new List<Guid>();
            var offers = new List<SeededOffer>();
            foreach (var variant in spec.Variants ?? [])
            {
                var skuId = Guid.NewGuid();
                skuIds.Add(skuId);
                batch.BatchCommands.Add(Command(
                    "INSERT INTO skus (id, product_id, code, attributes) VALUES ($1, $2, $3, $4::jsonb)",
                    skuId, id, $"SKU-{skuId:N}"[..20], JsonSerializer.Serialize(variant.Attributes)));
                foreach (var offer in variant.Offers)
                {
                    var seller = offer.SellerId ?? DefaultSeller;
                    offers.Add(new SeededOffer(skuId, seller));
                    batch.BatchCommands.Add(Command(
                        "INSERT INTO offers (sku_id, seller_id, price, currency) VALUES ($1, $2, $3, $4)", skuId, seller, offer.Price, offer.Currency));
                }
            }

            seeded.Add(new SeededProduct(id, skuIds, offers));
        }

        await batch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return seeded;
    }

    public static async Task<SeededProduct> AddAsync(NpgsqlDataSource catalog, ProductSpec product) => (await AddAsync(catalog, [product]))[0];

    public static async Task ExecuteAsync(NpgsqlDataSource catalog, string sql, params object?[] parameters)
    {
        await using var command = catalog.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One SKU with one offer at <paramref name="price"/>.</summary>
    public static VariantSpec[] OneOffer(decimal price, IReadOnlyDictionary<string, string>? attributes = null) =>
        [new VariantSpec(attributes ?? new Dictionary<string, string>(), new OfferSpec(price))];

    public static string Token(string prefix = "tok") => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 10)];

    private static NpgsqlBatchCommand Command(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }
}
