using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.TestKit;

/// <summary>
/// Routes against documents: every endpoint a service maps (its endpoint data source) as <c>METHOD /path</c>, and every
/// operation its OpenAPI document lists, in the document's path form (<c>{id:guid}</c> → <c>{id}</c>, no trailing slash).
/// </summary>
public static class OpenApiCoverage
{
    public const string DocumentPath = "/openapi/v1.json";

    private static readonly HashSet<string> Verbs = new(StringComparer.OrdinalIgnoreCase) { "get", "put", "post", "delete", "options", "head", "patch", "trace" };

    /// <summary>Mapped routes the document does not list: a route nobody can discover, or one mapped in a way it cannot describe.</summary>
    public static async Task<IReadOnlyList<string>> UndocumentedAsync(IServiceProvider services, HttpClient client)
    {
        var routed = Routed(services);
        // An empty route table would make every comparison pass: that is a broken host, not a covered one.
        return routed.Count == 0 ? throw new InvalidOperationException("The host maps no routes.") : [.. routed.Except(await DocumentedAsync(client))];
    }

    public static async Task<SortedSet<string>> DocumentedAsync(HttpClient client, string path = DocumentPath)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        var operations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var item in json.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in item.Value.EnumerateObject().Where(o => Verbs.Contains(o.Name)))
            {
                operations.Add($"{operation.Name.ToUpperInvariant()} {item.Name}");
            }
        }

        return operations;
    }

    /// <summary>Every endpoint with HTTP methods (health checks, fallbacks and <c>ExcludeFromDescription</c> ones have none or opt out).</summary>
    public static SortedSet<string> Routed(IServiceProvider services)
    {
        var operations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods
                || endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            {
                continue;
            }

            foreach (var method in methods.HttpMethods)
            {
                operations.Add($"{method.ToUpperInvariant()} {ToDocumentPath(endpoint.RoutePattern)}");
            }
        }

        return operations;
    }

    public static string ToDocumentPath(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        }))));
}
