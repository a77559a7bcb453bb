using System.Globalization;

namespace AspireShop.WebApp.Services;

/// <summary>Search's product query through the gateway (anonymous): hits, facet counts and paging.</summary>
public sealed class SearchClient(HttpClient http)
{
    public async Task<SearchResults> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("api/search/products" + request.ToQueryString(includePage: true, apiNames: true), cancellationToken);
        return await response.ReadJsonAsync<SearchResults>(cancellationToken);
    }
}

/// <summary>
/// What the shopper asked for, as the storefront's /search URL carries it (q, category, brand, minPrice, maxPrice,
/// sort, page) and as Search's API takes it (the same names). Category and brand may repeat: any of them matches.
/// </summary>
public sealed record SearchRequest(
    string? Text,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Brands,
    decimal? MinPrice,
    decimal? MaxPrice,
    string? Sort,
    int Page,
    int PageSize = 12)
{
    public static readonly IReadOnlyList<(string Value, string Label)> SortOptions =
    [
        ("relevance", "Best match"), ("price_asc", "Price: low to high"), ("price_desc", "Price: high to low"), ("newest", "Newest"),
    ];

    public bool HasFilters => Categories.Count > 0 || Brands.Count > 0 || MinPrice is not null || MaxPrice is not null;

    public SearchRequest Toggle(string facet, string value) => facet switch
    {
        "category" => this with { Categories = Toggle(Categories, value), Page = 1 },
        "brand" => this with { Brands = Toggle(Brands, value), Page = 1 },
        _ => this,
    };

    public bool IsSelected(string facet, string value) =>
        (facet == "category" ? Categories : Brands).Contains(value, StringComparer.Ordinal);

    /// <summary>"/search?…" for this request (page omitted on page 1).</summary>
    public string ToUrl() => "/search" + ToQueryString(includePage: Page > 1, apiNames: false);

    public string ToQueryString(bool includePage, bool apiNames)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("q", Text);
        Categories.ToList().ForEach(category => Add("category", category));
        Brands.ToList().ForEach(brand => Add("brand", brand));
        Add("minPrice", MinPrice?.ToString(CultureInfo.InvariantCulture));
        Add("maxPrice", MaxPrice?.ToString(CultureInfo.InvariantCulture));
        Add("sort", Sort is "relevance" ? null : Sort);
        if (includePage)
        {
            Add("page", Page.ToString(CultureInfo.InvariantCulture));
        }

        if (apiNames)
        {
            Add("pageSize", PageSize.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    private static List<string> Toggle(IReadOnlyList<string> values, string value) =>
        values.Contains(value, StringComparer.Ordinal) ? [.. values.Where(v => v != value)] : [.. values, value];
}

public sealed record SearchResults(long Total, int Page, int PageSize, IReadOnlyList<SearchHit> Items, SearchFacets Facets)
{
    public int TotalPages => PageSize <= 0 ? 1 : (int)Math.Max(1, Math.Min((Total + PageSize - 1) / PageSize, 10_000 / PageSize));
}

/// <summary>One result; <see cref="Snippet"/> is HTML-encoded text whose only markup is &lt;em&gt; around matches.</summary>
public sealed record SearchHit(
    Guid Id, string Title, string? Brand, string? Category, decimal? MinPrice, decimal? MaxPrice, string? Currency, bool InStock, string? Snippet);

public sealed record SearchFacets(
    IReadOnlyList<FacetValue> Brand, IReadOnlyList<FacetValue> Category, IReadOnlyDictionary<string, IReadOnlyList<FacetValue>> Attributes);

public sealed record FacetValue(string Value, long Count);
