namespace AspireShop.Search.API.Domain;

public sealed record SearchResponse(long Total, int Page, int PageSize, IReadOnlyList<SearchHit> Items, SearchFacets Facets);

/// <summary>One result; <see cref="Snippet"/> is HTML-encoded text whose only markup is <c>&lt;em&gt;</c> around matches.</summary>
public sealed record SearchHit(
    Guid Id,
    string Title,
    string? Brand,
    string? Category,
    decimal? MinPrice,
    decimal? MaxPrice,
    string? Currency,
    bool InStock,
    string? Snippet);

/// <summary>Counts over every match of the query (all filters applied), largest first.</summary>
public sealed record SearchFacets(
    IReadOnlyList<FacetValue> Brand,
    IReadOnlyList<FacetValue> Category,
    IReadOnlyDictionary<string, IReadOnlyList<FacetValue>> Attributes)
{
    /// <summary>Values listed per facet; the rest are dropped, as a sidebar shows only the top ones.</summary>
    public const int MaxValues = 20;

    public static SearchFacets From(
        IReadOnlyDictionary<string, long> brands, IReadOnlyDictionary<string, long> categories, IReadOnlyDictionary<string, long> attributePairs)
    {
        var attributes = attributePairs
            .Select(p => (Pair: p.Key.Split(SearchDocument.PairSeparator, 2), Count: p.Value))
            .Where(p => p.Pair.Length == 2)
            .GroupBy(p => p.Pair[0], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Top(g.Select(p => new KeyValuePair<string, long>(p.Pair[1], p.Count))), StringComparer.Ordinal);
        return new SearchFacets(Top(brands), Top(categories), attributes);
    }

    private static IReadOnlyList<FacetValue> Top(IEnumerable<KeyValuePair<string, long>> counts) =>
        [.. counts.Where(c => c.Value > 0)
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(MaxValues)
            .Select(c => new FacetValue(c.Key, c.Value))];
}

public sealed record FacetValue(string Value, long Count);
