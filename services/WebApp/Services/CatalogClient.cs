namespace AspireShop.WebApp.Services;

/// <summary>Catalog's public reads through the gateway: the product page (document + offers + cached availability).</summary>
public sealed class CatalogClient(HttpClient http)
{
    /// <summary>The product, or null when Catalog says 404; <see cref="ApiProblemException"/> for any other failure.</summary>
    public async Task<CatalogProduct?> GetProductAsync(Guid productId, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"api/catalog/products/{productId}", cancellationToken);
        return response.StatusCode == System.Net.HttpStatusCode.NotFound
            ? null
            : await response.ReadJsonAsync<CatalogProduct>(cancellationToken);
    }

    public async Task<CatalogProductList> ListProductsAsync(string? category = null, int page = 1, int pageSize = 12, CancellationToken cancellationToken = default)
    {
        var query = $"api/catalog/products?page={page}&pageSize={pageSize}";
        if (!string.IsNullOrWhiteSpace(category))
        {
            query += "&category=" + Uri.EscapeDataString(category);
        }

        using var response = await http.GetAsync(query, cancellationToken);
        return await response.ReadJsonAsync<CatalogProductList>(cancellationToken);
    }
}

public sealed record CatalogProduct(
    Guid Id,
    Guid SellerId,
    string Title,
    string Description,
    string Brand,
    string Category,
    IReadOnlyList<string> Images,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<CatalogVariant> Variants);

public sealed record CatalogVariant(Guid Id, string Code, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<CatalogOffer> Offers)
{
    /// <summary>"Red, M" from the variant's attributes, else its code.</summary>
    public string Label => Attributes.Count == 0 ? Code : string.Join(", ", Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Value));
}

/// <summary>A seller's offer; <see cref="Availability"/> is Catalog's cached view (status in_stock, out_of_stock or unknown).</summary>
public sealed record CatalogOffer(Guid SellerId, decimal Price, string Currency, CatalogAvailability? Availability);

public sealed record CatalogAvailability(string Status, int? Available);

public sealed record CatalogProductSummary(Guid Id, Guid SellerId, string Title, string Brand, string Category, string? Image, decimal? PriceFrom, string? Currency);

public sealed record CatalogProductList(int Total, int Page, int PageSize, IReadOnlyList<CatalogProductSummary> Items);
