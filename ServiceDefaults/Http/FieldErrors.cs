using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.ServiceDefaults.Http;

/// <summary>
/// Collects field errors (camelCase names) so a handler validates everything first and writes nothing unless all of it
/// is valid; each service's <c>RequestValidation</c> adds its own field rules on top.
/// </summary>
public abstract class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
    }

    public ValidationProblem ToProblem(string title = "The request is invalid.") =>
        TypedResults.ValidationProblem(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: title);
}
