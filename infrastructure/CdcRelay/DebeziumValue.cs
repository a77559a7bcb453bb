using System.Globalization;
using System.Text.Json;

namespace AspireShop.Infrastructure.CdcRelay;

/// <summary>
/// Writes a column's pgoutput text as Debezium's JsonConverter would (schemas disabled, <c>decimal.handling.mode=string</c>,
/// <c>time.precision.mode=adaptive</c>, <c>binary.handling.mode=bytes</c>):
/// int2/int4/int8, float4/float8 → number (NaN/Infinity → string); bool → true/false; numeric → string;
/// json/jsonb → the JSON text as a string (io.debezium.data.Json); uuid/text/varchar/bpchar → string;
/// timestamptz → ISO-8601 UTC string (ZonedTimestamp, <c>2026-11-25T01:02:03.456789Z</c>);
/// timestamp → microseconds since the epoch (MicroTimestamp); date → days since the epoch (Date);
/// bytea → base64 string; anything else (and values these cannot parse, e.g. infinity) → its text.
/// </summary>
internal static class DebeziumValue
{
    /// <summary>What Debezium writes for an unchanged TOASTed value it cannot read from an old tuple.</summary>
    public const string UnavailableValue = "__debezium_unavailable_value";

    private const uint Bool = 16, Bytea = 17, Int8 = 20, Int2 = 21, Int4 = 23, Float4 = 700, Float8 = 701;
    private const uint Date = 1082, Timestamp = 1114, TimestampTz = 1184;

    private static readonly string[] TimestampTzFormats = ["yyyy-MM-dd HH:mm:ss.FFFFFFzzz", "yyyy-MM-dd HH:mm:ss.FFFFFFzz"];
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly int EpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static void Write(Utf8JsonWriter writer, uint typeOid, string text)
    {
        switch (typeOid)
        {
            case Int2 or Int4 or Int8 when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer):
                writer.WriteNumberValue(integer);
                return;
            case Float4 or Float8 when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real):
                if (typeOid == Float4)
                {
                    writer.WriteNumberValue((float)real);
                }
                else
                {
                    writer.WriteNumberValue(real);
                }

                return;
            case Bool:
                writer.WriteBooleanValue(text == "t");
                return;
            case TimestampTz when DateTimeOffset.TryParseExact(text, TimestampTzFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var zoned):
                writer.WriteStringValue(zoned.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture));
                return;
            case Timestamp when DateTime.TryParseExact(text, "yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local):
                writer.WriteNumberValue((local.Ticks - EpochTicks) / TimeSpan.TicksPerMicrosecond);
                return;
            case Date when DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day):
                writer.WriteNumberValue(day.DayNumber - EpochDay);
                return;
            case Bytea when text.StartsWith("\\x", StringComparison.Ordinal):
                writer.WriteBase64StringValue(Convert.FromHexString(text.AsSpan(2)));
                return;
            default:
                writer.WriteStringValue(text);
                return;
        }
    }
}
