using System.Globalization;

namespace AspireShop.Search.API.Domain;

public enum SearchSort
{
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

/// <summary>A validated search request; both index backends give it the same meaning.</summary>
public sealed record SearchQuery(
    string? Text,
    IReadOnlyList<string> Brands,
    IReadOnlyList<string> Categories,
    decimal? MinPrice,
    decimal? MaxPrice,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes,
    SearchSort Sort,
    int Page,
    int PageSize)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    /// <summary>Deepest result a page may reach: Elasticsearch's default max_result_window, kept for Lucene too.</summary>
    public const int MaxResultWindow = 10_000;

    public const int MaxTextLength = 200;
    public const string AttributePrefix = "attr.";

    public int Skip => (Page - 1) * PageSize;

    public bool HasText => !string.IsNullOrWhiteSpace(Text);

    /// <summary>Reads and validates the query string; every problem is reported against the parameter that caused it.</summary>
    public static SearchQuery? TryParse(IReadOnlyDictionary<string, string?[]> parameters, out Dictionary<string, string[]> errors)
    {
        var problems = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Fail(string parameter, string message) =>
            (problems.TryGetValue(parameter, out var list) ? list : problems[parameter] = []).Add(message);

        string? Single(string name)
        {
            var values = parameters.GetValueOrDefault(name);
            if (values is { Length: > 1 })
            {
                Fail(name, $"'{name}' may be given once.");
            }

            return values is { Length: > 0 } ? values[0] : null;
        }

        var text = Single("q")?.Trim();
        if (text is { Length: > MaxTextLength })
        {
            Fail("q", $"'q' may be at most {MaxTextLength} characters.");
        }

        var page = ParseInt(Single("page"), "page", 1, Fail);
        var pageSize = ParseInt(Single("pageSize"), "pageSize", DefaultPageSize, Fail);
        if (page < 1)
        {
            Fail("page", "'page' must be 1 or more.");
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            Fail("pageSize", $"'pageSize' must be between 1 and {MaxPageSize}.");
        }
        else if (page >= 1 && (long)page * pageSize > MaxResultWindow)
        {
            Fail("page", $"'page' × 'pageSize' may not exceed {MaxResultWindow}; narrow the search instead.");
        }

        var minPrice = ParsePrice(Single("minPrice"), "minPrice", Fail);
        var maxPrice = ParsePrice(Single("maxPrice"), "maxPrice", Fail);
        if (minPrice > maxPrice)
        {
            Fail("minPrice", "'minPrice' may not be greater than 'maxPrice'.");
        }

        var sort = Single("sort") switch
        {
            null or "" or "relevance" => SearchSort.Relevance,
            "price_asc" => SearchSort.PriceAsc,
            "price_desc" => SearchSort.PriceDesc,
            "newest" => SearchSort.Newest,
            var other => Invalid(other),
        };

        SearchSort Invalid(string value)
        {
            Fail("sort", $"'sort' must be one of relevance, price_asc, price_desc, newest (got '{value}').");
            return SearchSort.Relevance;
        }

        var attributes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, values) in parameters)
        {
            if (!key.StartsWith(AttributePrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var name = NormalizeName(key[AttributePrefix.Length..]);
            var given = Values(values);
            if (name.Length == 0 || given.Count == 0)
            {
                Fail(key, $"'{key}' needs an attribute name and a value, e.g. attr.color=red.");
                continue;
            }

            attributes[name] = attributes.TryGetValue(name, out var existing) ? [.. existing, .. given] : given;
        }

        errors = problems.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        return errors.Count > 0
            ? null
            : new SearchQuery(
                string.IsNullOrWhiteSpace(text) ? null : text,
                Values(parameters.GetValueOrDefault("brand")),
                Values(parameters.GetValueOrDefault("category")),
                minPrice,
                maxPrice,
                attributes,
                sort,
                page,
                pageSize);
    }

    /// <summary>
    /// The query in one canonical string (values in order, attributes by name): two requests with the same key ask the
    /// same question, so an index that has not changed gives them the same answer.
    /// </summary>
    public string CacheKey() => System.Text.Json.JsonSerializer.Serialize(new object?[]
    {
        Text, Brands, Categories, MinPrice, MaxPrice,
        Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new object[] { a.Key, a.Value }),
        Sort, Page, PageSize,
    });

    /// <summary>Attribute names are matched case-insensitively, so they are indexed and queried in lower case.</summary>
    public static string NormalizeName(string name) => name.Trim().ToLowerInvariant();

    /// <summary>Prices are indexed and filtered as whole cents, so range bounds are exact.</summary>
    public static long ToCents(decimal price) => (long)decimal.Round(price * 100m, 0, MidpointRounding.AwayFromZero);

    private static List<string> Values(string?[]? values) =>
        values is null ? [] : [.. values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).Distinct(StringComparer.Ordinal)];

    private static int ParseInt(string? value, string name, int fallback, Action<string, string> fail)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        fail(name, $"'{name}' must be a whole number (got '{value}').");
        return fallback;
    }

    private static decimal? ParsePrice(string? value, string name, Action<string, string> fail)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price))
        {
            fail(name, $"'{name}' must be a non-negative number such as 19.99 (got '{value}').");
            return null;
        }

        if (price > 9_999_999_999.99m)
        {
            fail(name, $"'{name}' is too large.");
            return null;
        }

        return price;
    }
}
