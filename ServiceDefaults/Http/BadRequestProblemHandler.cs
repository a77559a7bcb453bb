using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.ServiceDefaults.Http;

/// <summary>
/// Turns request-binding failures (a body that is not the expected JSON shape, such as a quantity that is not a
/// number, or a route or query value of the wrong type) into 400 ProblemDetails that name the field, instead of an
/// empty 400.
/// </summary>
internal sealed class BadRequestProblemHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        ProblemDetails problem = badRequest.InnerException is JsonException { Path: { } path } json
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [FieldName(path)] = [Describe(json)] })
            {
                Title = "The request body is not valid JSON for this endpoint.",
            }
            : new ProblemDetails { Title = "Bad request", Detail = badRequest.Message };
        problem.Status = badRequest.StatusCode;
        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    // "$.variants[0].attributes.color" → "variants[0].attributes.color"; "$" is the body itself.
    private static string FieldName(string path) => RequestText.FieldName(path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path);

    private static string Describe(JsonException json)
    {
        var message = json.Message;
        var detail = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return detail > 0 ? message[..detail] : message;
    }
}

public static class BadRequestProblemExtensions
{
    /// <summary>Minimal-API binding failures become 400 ProblemDetails naming the field (never an empty 400 or a 500).</summary>
    public static IServiceCollection AddBadRequestProblems(this IServiceCollection services)
    {
        services.AddExceptionHandler<BadRequestProblemHandler>();
        return services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
    }
}
