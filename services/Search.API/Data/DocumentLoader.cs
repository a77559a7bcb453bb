using System.Text.Json;
using AspireShop.Search.API.Domain;
using Npgsql;

namespace AspireShop.Search.API.Data;

/// <summary>Recomputes products' search documents from the mirror, each with its document version.</summary>
public static class DocumentLoader
{
    private const string Sql =
        """
        SELECT d.product_id, d.version, p.id IS NULL OR p.deleted, p.title, p.description, p.brand, p.category,
               p.attributes::text, p.created_at
        FROM search_documents d LEFT JOIN search_products p ON p.id = d.product_id
        WHERE d.product_id = ANY (@ids);
        SELECT product_id, attributes::text FROM search_skus WHERE product_id = ANY (@ids) AND NOT deleted AND attributes IS NOT NULL;
        SELECT s.product_id, o.seller_id, o.price, o.currency, a.available
        FROM search_skus s
        JOIN search_offers o ON o.sku_id = s.id AND NOT o.deleted
        LEFT JOIN search_availability a ON a.sku_id = o.sku_id AND a.seller_id = o.seller_id AND NOT a.deleted
        WHERE s.product_id = ANY (@ids) AND NOT s.deleted;
        """;

    /// <summary>
    /// Reads in the caller's transaction, so a document and its version always describe the same mirror state.
    /// Products without a document version (never touched) are left out; deleted or unknown products come back as tombstones.
    /// </summary>
    public static async Task<List<IndexWrite>> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<Guid> productIds, CancellationToken cancellationToken)
    {
        if (productIds.Count == 0)
        {
            return [];
        }

        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.AddWithValue("ids", productIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        var products = new Dictionary<Guid, ProductState>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            products[id] = new ProductState(
                reader.GetInt64(1),
                reader.GetBoolean(2),
                reader.IsDBNull(3) ? "" : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? DateTimeOffset.UnixEpoch : reader.GetFieldValue<DateTimeOffset>(8));
        }

        await reader.NextResultAsync(cancellationToken);
        var variantAttributes = new Dictionary<Guid, List<string>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var productId = reader.GetGuid(0);
            (variantAttributes.TryGetValue(productId, out var list) ? list : variantAttributes[productId] = []).Add(reader.GetString(1));
        }

        await reader.NextResultAsync(cancellationToken);
        var offers = new Dictionary<Guid, List<Offer>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var productId = reader.GetGuid(0);
            var offer = new Offer(
                reader.GetGuid(1),
                reader.IsDBNull(2) ? null : reader.GetDecimal(2),
                reader.IsDBNull(3) ? null : reader.GetString(3).Trim(),
                reader.IsDBNull(4) ? null : reader.GetInt32(4));
            (offers.TryGetValue(productId, out var list) ? list : offers[productId] = []).Add(offer);
        }

        var writes = new List<IndexWrite>(products.Count);
        foreach (var (id, state) in products)
        {
            writes.Add(new IndexWrite(id, state.Version, state.Gone
                ? null
                : Build(id, state, variantAttributes.GetValueOrDefault(id) ?? [], offers.GetValueOrDefault(id) ?? [])));
        }

        return writes;
    }

    private static SearchDocument Build(Guid id, ProductState product, List<string> variantAttributes, List<Offer> offers)
    {
        var attributes = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        AddAttributes(attributes, product.AttributesJson);
        foreach (var json in variantAttributes)
        {
            AddAttributes(attributes, json);
        }

        var priced = offers.Where(o => o.Price is not null).OrderBy(o => o.Price).ToList();
        return new SearchDocument(
            id,
            product.Title,
            product.Description,
            product.Brand,
            product.Category,
            attributes.ToDictionary(a => a.Key, a => (IReadOnlyList<string>)[.. a.Value], StringComparer.Ordinal),
            priced.FirstOrDefault()?.Price,
            priced.LastOrDefault()?.Price,
            priced.FirstOrDefault()?.Currency,
            [.. offers.Select(o => o.SellerId).Distinct().Order()],
            // No availability event yet means Inventory has not spoken: the offer is sellable until it says otherwise.
            offers.Any(o => o.Available is null or > 0),
            product.CreatedAt);
    }

    /// <summary>Reads a jsonb object of name → value (a string, or anything else as its JSON text; arrays add each element).</summary>
    private static void AddAttributes(SortedDictionary<string, SortedSet<string>> into, string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return;
        }

        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            var name = SearchQuery.NormalizeName(property.Name);
            if (name.Length == 0)
            {
                continue;
            }

            var values = property.Value.ValueKind == JsonValueKind.Array ? property.Value.EnumerateArray().ToList() : [property.Value];
            foreach (var value in values)
            {
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    _ => value.GetRawText(),
                };
                if (!string.IsNullOrWhiteSpace(text))
                {
                    (into.TryGetValue(name, out var set) ? set : into[name] = new SortedSet<string>(StringComparer.Ordinal)).Add(text.Trim());
                }
            }
        }
    }

    private sealed record ProductState(
        long Version, bool Gone, string Title, string? Description, string? Brand, string? Category, string? AttributesJson, DateTimeOffset CreatedAt);

    private sealed record Offer(Guid SellerId, decimal? Price, string? Currency, int? Available);
}
