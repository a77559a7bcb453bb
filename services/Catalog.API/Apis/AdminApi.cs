using AspireShop.Catalog.API.Data;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.Catalog.API.Apis;

public static class AdminApi
{
    public const string SeedPath = "/admin/catalog/seed";

    public static IEndpointRouteBuilder MapCatalogAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(SeedPath, SeedAsync).RequireAuthorization(AspireShopPolicies.Admin).WithTags("Admin").WithName("SeedCatalog");
        return app;
    }

    /// <summary>Loads the deterministic demo catalog; does nothing when it is already there.</summary>
    public static async Task<Ok<SeedResult>> SeedAsync(CatalogSeeder seeder, CancellationToken cancellationToken) =>
        TypedResults.Ok(await seeder.SeedAsync(cancellationToken));
}
