using AspireShop.Search.API.Domain;
using AspireShop.Search.API.Indexing;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.Search.API.Apis;

public static class SearchApi
{
    public const string RebuildPath = "/admin/search/rebuild";

    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/search")
            .MapGet("/products", SearchProductsAsync)
            .WithName("SearchProducts")
            .AllowAnonymous();

        app.MapPost(RebuildPath, RebuildAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("RebuildSearchIndex");
        return app;
    }

    /// <summary>
    /// GET /api/search/products?q=&amp;category=&amp;brand=&amp;minPrice=&amp;maxPrice=&amp;attr.&lt;name&gt;=&amp;sort=&amp;page=&amp;pageSize=
    /// </summary>
    public static async Task<Results<Ok<SearchResponse>, ValidationProblem>> SearchProductsAsync(
        HttpRequest request, ISearchIndex index, CancellationToken cancellationToken)
    {
        var parameters = request.Query.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        var query = SearchQuery.TryParse(parameters, out var errors);
        if (query is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The search request has invalid parameters.");
        }

        return TypedResults.Ok(await index.SearchAsync(query, cancellationToken));
    }

    /// <summary>POST /admin/search/rebuild: re-reads the catalog tables and rebuilds the mirror's changed rows and the whole index.</summary>
    public static async Task<Results<Ok<RebuildResult>, ProblemHttpResult>> RebuildAsync(
        IndexRebuilder rebuilder, IHostApplicationLifetime lifetime)
    {
        if (!rebuilder.IsConfigured)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "No catalog snapshot source is configured.",
                detail: "Set ConnectionStrings:catalogdb-snapshot to a read-only connection to the catalog database to rebuild the search index from it.");
        }

        // Not the request's token: a rebuild that stopped halfway, after clearing the index, would leave it half empty.
        var result = await rebuilder.TryRebuildAsync(lifetime.ApplicationStopping);
        return result is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A rebuild is already running.", detail: "Try again when it has finished.")
            : TypedResults.Ok(result);
    }
}
