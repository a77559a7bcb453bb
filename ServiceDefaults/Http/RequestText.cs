using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace AspireShop.ServiceDefaults.Http;

/// <summary>
/// The one rule for text a request carries, in every service: no NUL character (U+0000) in a JSON string, a form
/// field, a query parameter or a route value, because Postgres cannot store it (a 500 deep in a handler otherwise);
/// and a form that cannot be read within the form limits is the caller's fault (400), not ours.
/// </summary>
public static class RequestText
{
    public const string NulMessage = "must not contain the NUL character (U+0000).";

    // Enough for any form a person fills in; a larger refused form gets the reader's own message.
    private const int MaxRereadChars = 64 * 1024;
    private const int MaxFieldNameLength = 64;

    public static bool HasNul(string? value) => value is not null && value.Contains('\0', StringComparison.Ordinal);

    /// <summary>A field name fit for a ProblemDetails body, even when the name itself carries the NUL.</summary>
    public static string FieldName(string name) => name.Replace("\0", "\\u0000", StringComparison.Ordinal);

    /// <summary>
    /// Checks route values, the query and (unless the endpoint forwards the body unread, as the gateway's proxy does)
    /// the form. Runs before authentication, because OpenIddict reads the token endpoint's form there.
    /// </summary>
    public static IApplicationBuilder UseRequestTextRule(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is string text && (HasNul(text) || HasNul(name)))
            {
                errors[FieldName(name)] = [NulMessage];
            }
        }

        foreach (var (name, values) in context.Request.Query)
        {
            Check(errors, name, values);
        }

        if (context.Request.HasFormContentType && context.GetEndpoint()?.Metadata.GetMetadata<ForwardsRequestBodyMetadata>() is null)
        {
            var urlEncoded = context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;
            if (urlEncoded)
            {
                // Kept, so a form the reader refuses can still be searched for the field to name.
                context.Request.EnableBuffering();
            }

            IFormCollection form;
            try
            {
                form = await context.Request.ReadFormAsync(context.RequestAborted);
            }
            catch (InvalidDataException ex)
            {
                // A NUL, a key or value too long, too many fields, a broken multipart body: FormOptions' limits speak.
                if (urlEncoded)
                {
                    await NamedFieldsAsync(context, errors);
                }

                await (errors.Count > 0
                    ? TypedResults.ValidationProblem(errors, title: "The request is invalid.")
                    : (IResult)TypedResults.Problem(title: "The form could not be read.", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest))
                    .ExecuteAsync(context);
                return;
            }

            foreach (var (name, values) in form)
            {
                Check(errors, name, values);
            }
        }

        if (errors.Count > 0)
        {
            await TypedResults.ValidationProblem(errors, title: "The request is invalid.").ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>The fields of a refused url-encoded form that break the rule, read again leniently from the buffered body.</summary>
    private static async Task NamedFieldsAsync(HttpContext context, Dictionary<string, string[]> errors)
    {
        context.Request.Body.Position = 0;
        using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
        var buffer = new char[MaxRereadChars];
        var read = await reader.ReadBlockAsync(buffer, context.RequestAborted);
        foreach (var (name, values) in QueryHelpers.ParseQuery(new string(buffer, 0, read)))
        {
            Check(errors, name.Length > MaxFieldNameLength ? name[..MaxFieldNameLength] + "…" : name, values);
        }
    }

    private static void Check(Dictionary<string, string[]> errors, string name, IEnumerable<string?> values)
    {
        if (HasNul(name) || values.Any(HasNul))
        {
            errors[FieldName(name)] = [NulMessage];
        }
    }
}

/// <summary>Endpoint metadata: the request body is forwarded unread (the gateway's proxy routes), so the form is not parsed here.</summary>
public sealed class ForwardsRequestBodyMetadata
{
    public static readonly ForwardsRequestBodyMetadata Instance = new();

    private ForwardsRequestBodyMetadata()
    {
    }
}

/// <summary>
/// Every JSON string a request binds, dictionary keys included: one with a NUL fails binding, which
/// <see cref="BadRequestProblemExtensions"/> turns into a 400 naming the field by its JSON path.
/// </summary>
internal sealed class NulRejectingStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Checked(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString()) ?? throw new JsonException("A property name is null.");

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private static string? Checked(string? value) => RequestText.HasNul(value) ? throw new JsonException(RequestText.NulMessage) : value;
}
