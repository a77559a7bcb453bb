namespace AspireShop.Catalog.API.Apis;

public static class PlatformApi
{
    public static IEndpointRouteBuilder MapPlatformEndpoints(this IEndpointRouteBuilder app)
    {
        // The dashboard's replay command calls it without identity; the Identity issue puts it behind the admin policy.
        app.MapGroup("").AllowAnonymous().MapDeadLetterReplay();

        // Without an endpoint the fallback policy would answer 401 for every unknown route; unknown is 404.
        app.MapFallback("{*path}", () => TypedResults.NotFound()).AllowAnonymous();
        return app;
    }
}
