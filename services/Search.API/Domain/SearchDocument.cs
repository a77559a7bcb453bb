namespace AspireShop.Search.API.Domain;

/// <summary>
/// What the index holds for one product, recomputed from the mirror tables: the product, the union of its variants'
/// attributes and a summary of its offers.
/// </summary>
public sealed record SearchDocument(
    Guid Id,
    string Title,
    string? Description,
    string? Brand,
    string? Category,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes,
    decimal? MinPrice,
    decimal? MaxPrice,
    string? Currency,
    IReadOnlyList<Guid> SellerIds,
    bool InStock,
    DateTimeOffset CreatedAt)
{
    /// <summary>Separates an attribute's name from its value in the single-token form both backends filter and count on.</summary>
    public const char PairSeparator = '\u001f';

    public static string Pair(string name, string value) => $"{name}{PairSeparator}{value}";

    public IEnumerable<string> AttributePairs() =>
        Attributes.SelectMany(attribute => attribute.Value.Select(value => Pair(attribute.Key, value)));

    public IEnumerable<string> AttributeValues() => Attributes.Values.SelectMany(values => values);
}

/// <summary>One write to an index: a document, or a tombstone when <see cref="Document"/> is null.</summary>
public sealed record IndexWrite(Guid Id, long Version, SearchDocument? Document, long? SourceTimestampMs = null);
