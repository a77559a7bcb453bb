using System.Globalization;
using System.Text.Json;
namespace AspireShop.BuildingBlocks.Messaging;

/// <summary>Where a row change sits in the source's history: its WAL position and the transaction it committed in.</summary>
public readonly record struct ChangeVersion(long Lsn, long? TxId);

/// <summary>
/// A column whose value the change did not carry (Debezium's unavailable-value placeholder for an unchanged TOASTed
/// value): a consumer keeps what it has.
/// </summary>
public readonly record struct MaybeText(string? Value, bool Unavailable)
{
    public static readonly MaybeText Missing = new(null, true);

    public static MaybeText Of(string? value) => new(value, false);
}

/// <summary>
/// A Debezium change event (JsonConverter, schemas disabled) as Debezium and the CdcRelay publish it: uuid, text and
/// numeric columns as strings, jsonb as a string holding JSON text, timestamptz as an ISO-8601 string. The one parser
/// of table-row events; consumers get it through <see cref="IChangeHandler"/>.
/// </summary>
public sealed class ChangeEvent
{
    /// <summary>What Debezium writes for an unchanged TOASTed value it could not read.</summary>
    public const string UnavailableValue = "__debezium_unavailable_value";

    private ChangeEvent(string op, JsonElement? before, JsonElement? after, ChangeVersion version, long? sourceTimestampMs)
    {
        Op = op;
        Before = before;
        After = after;
        Version = version;
        SourceTimestampMs = sourceTimestampMs;
    }

    /// <summary>c (insert), u (update), d (delete), r (snapshot read), t (truncate).</summary>
    public string Op { get; }

    public JsonElement? Before { get; }

    public JsonElement? After { get; }

    public ChangeVersion Version { get; }

    /// <summary>When the change committed in the source (source.ts_ms).</summary>
    public long? SourceTimestampMs { get; }

    public bool IsDelete => Op == "d";

    /// <summary>Insert, update, delete or snapshot read: the events that carry a row (truncate and message do not).</summary>
    public bool CarriesRow => Op is "c" or "u" or "d" or "r";

    /// <summary>The row the change leaves behind, or for a delete the row it removed.</summary>
    public JsonElement Row => (IsDelete ? Before : After)
        ?? throw new JsonException($"A '{Op}' change event has no {(IsDelete ? "before" : "after")} row.");

    public static ChangeEvent Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var source = root.GetProperty("source");
        var lsn = source.GetProperty("lsn").GetInt64();
        long? txId = source.TryGetProperty("txId", out var tx) && tx.ValueKind == JsonValueKind.Number ? tx.GetInt64() : null;
        long? tsMs = source.TryGetProperty("ts_ms", out var ts) && ts.ValueKind == JsonValueKind.Number ? ts.GetInt64() : null;
        return new ChangeEvent(
            root.GetProperty("op").GetString() ?? "",
            RowOf(root, "before"),
            RowOf(root, "after"),
            new ChangeVersion(lsn, txId),
            tsMs);
    }

    public static Guid? Uuid(JsonElement row, string column) =>
        Value(row, column) is { ValueKind: JsonValueKind.String } value ? Guid.Parse(value.GetString()!) : null;

    public static Guid RequiredUuid(JsonElement row, string column) =>
        Uuid(row, column) ?? throw new JsonException($"Column '{column}' is missing from the change event.");

    public static string? Text(JsonElement row, string column) =>
        Value(row, column) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>A text or jsonb column that an update may leave out (an unchanged TOASTed value).</summary>
    public static MaybeText LargeText(JsonElement row, string column) => Value(row, column) switch
    {
        { ValueKind: JsonValueKind.String } value when value.GetString() == UnavailableValue => MaybeText.Missing,
        { ValueKind: JsonValueKind.String } value => MaybeText.Of(value.GetString()),
        { ValueKind: JsonValueKind.Object or JsonValueKind.Array } value => MaybeText.Of(value.GetRawText()),
        _ => MaybeText.Of(null),
    };

    public static decimal? Numeric(JsonElement row, string column) => Value(row, column) switch
    {
        { ValueKind: JsonValueKind.String } value => decimal.Parse(value.GetString()!, NumberStyles.Number, CultureInfo.InvariantCulture),
        { ValueKind: JsonValueKind.Number } value => value.GetDecimal(),
        _ => null,
    };

    public static DateTimeOffset? Timestamp(JsonElement row, string column) => Value(row, column) switch
    {
        { ValueKind: JsonValueKind.String } value => DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime(),
        // Debezium's io.debezium.time.Timestamp (milliseconds) when time.precision.mode=connect.
        { ValueKind: JsonValueKind.Number } value => DateTimeOffset.FromUnixTimeMilliseconds(value.GetInt64()),
        _ => null,
    };

    private static JsonElement? Value(JsonElement row, string column) =>
        row.TryGetProperty(column, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static JsonElement? RowOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var row) && row.ValueKind == JsonValueKind.Object ? row.Clone() : null;
}
