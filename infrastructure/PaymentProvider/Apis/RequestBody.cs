using System.Text.Json;

namespace AspireShop.Infrastructure.PaymentProvider.Apis;

/// <summary>
/// A request's JSON object, read once: typed fields for the handler (each refusal naming its <c>param</c>, as Stripe's
/// errors do) and a canonical form (sorted keys, no whitespace) whose hash tells a retry from a different request.
/// </summary>
public sealed class RequestBody
{
    private const int MaxMetadataKeys = 50;
    private const int MaxMetadataKeyLength = 40;
    private const int MaxMetadataValueLength = 500;

    private readonly JsonElement _root;

    private RequestBody(JsonElement root)
    {
        _root = root;
        Canonical = Canonicalize(root);
    }

    public string Canonical { get; }

    public static async Task<(RequestBody? Body, ApiResult? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (new RequestBody(document.RootElement.Clone()), null)
                : (null, ApiResult.InvalidRequest(null, "The request body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            return (null, ApiResult.InvalidRequest(null, $"The request body is not valid JSON: {ex.Message}"));
        }
    }

    /// <summary>The first refusal among the fields read so far; null while all were fine.</summary>
    public ApiResult? Error { get; private set; }

    /// <summary>Stripe refuses parameters it does not know, so a misspelt one fails loudly instead of being ignored.</summary>
    public void OnlyKnown(params string[] names)
    {
        foreach (var property in _root.EnumerateObject().Where(p => !names.Contains(p.Name, StringComparer.Ordinal)))
        {
            Fail(ApiResult.InvalidRequest(Printable(property.Name), $"Received unknown parameter: {Printable(property.Name)}"));
        }
    }

    public long? WholeNumber(string name, bool required, long min, long max)
    {
        if (!TryGet(name, required, out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var number) || number < min || number > max)
        {
            return Fail<long?>(ApiResult.InvalidRequest(name, $"Invalid integer: {name} must be a whole number from {min} to {max}."));
        }

        return number;
    }

    public string? Text(string name, bool required, int maxLength)
    {
        if (!TryGet(name, required, out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { } text || !IsStorable(text) || text.Length > maxLength)
        {
            return Fail<string?>(ApiResult.InvalidRequest(name, $"Invalid string: {name} must be a string of at most {maxLength} characters without NUL."));
        }

        return text;
    }

    public bool? Boolean(string name)
    {
        if (!TryGet(name, required: false, out var element))
        {
            return null;
        }

        return element.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? element.GetBoolean()
            : Fail<bool?>(ApiResult.InvalidRequest(name, $"Invalid boolean: {name} must be true or false."));
    }

    /// <summary>Stripe's metadata rules: up to 50 string keys of 40 characters, string values of 500.</summary>
    public IReadOnlyDictionary<string, string> Metadata()
    {
        const string name = "metadata";
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!TryGet(name, required: false, out var element))
        {
            return values;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return Fail(ApiResult.InvalidRequest(name, "Invalid object: metadata must be an object of strings."), values);
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String || property.Name.Length is 0 or > MaxMetadataKeyLength || !IsStorable(property.Name)
                || property.Value.GetString() is not { } text || text.Length > MaxMetadataValueLength || !IsStorable(text))
            {
                return Fail(
                    ApiResult.InvalidRequest(
                        $"{name}[{Printable(property.Name)}]",
                        $"Metadata keys must be 1 to {MaxMetadataKeyLength} characters and values strings of at most {MaxMetadataValueLength}, without NUL."),
                    values);
            }

            values[property.Name] = text;
        }

        return values.Count > MaxMetadataKeys ? Fail(ApiResult.InvalidRequest(name, $"Metadata can have at most {MaxMetadataKeys} keys."), values) : values;
    }

    private bool TryGet(string name, bool required, out JsonElement element)
    {
        if (_root.TryGetProperty(name, out element) && element.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        if (required)
        {
            Fail(Missing(name));
        }

        return false;
    }

    private void Fail(ApiResult error) => Error ??= error;

    private T Fail<T>(ApiResult error, T value = default!)
    {
        Fail(error);
        return value;
    }

    private static ApiResult Missing(string name) => ApiResult.InvalidRequest(name, $"Missing required param: {name}.");

    // Postgres cannot store U+0000 in text or jsonb: refused here rather than failing as a 500 in the INSERT.
    private static bool IsStorable(string text) => !text.Contains('\0', StringComparison.Ordinal);

    private static string Printable(string text) => text.Replace("\0", "\\u0000", StringComparison.Ordinal);

    private static string Canonicalize(JsonElement root)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, root);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
