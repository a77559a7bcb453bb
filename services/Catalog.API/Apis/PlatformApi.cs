namespace AspireShop.Catalog.API.Apis;

public static class PlatformApi
{
    public static WebApplication MapPlatformEndpoints(this WebApplication app)
    {
        app.MapDeadLetterReplay();
        app.MapNotFoundFallback();
        return app;
    }
}
