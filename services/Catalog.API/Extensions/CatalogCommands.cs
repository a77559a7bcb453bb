using AspireShop.Catalog.API.Data;

namespace AspireShop.Catalog.API.Extensions;

/// <summary>
/// One-shot steps run instead of the web host: <c>migrate</c> applies the EF migrations (the AppHost's
/// <c>catalog-migrations</c> resource, which the service waits for), <c>seed</c> migrates and loads the demo catalog.
/// </summary>
public static class CatalogCommands
{
    public const string Migrate = "migrate";
    public const string Seed = "seed";

    public static bool IsCommand(string[] args) => args.Contains(Migrate) || args.Contains(Seed);

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddServiceDefaults();
        builder.AddCatalogDatabase();
        builder.Services.AddCatalogSeeder();

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CatalogCommands));
        try
        {
            await CatalogMigrator.MigrateAsync(host.Services);
            logger.LogInformation("Catalog database migrated");
            if (args.Contains(Seed))
            {
                await using var scope = host.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<CatalogSeeder>().SeedAsync(CancellationToken.None);
            }

            return 0;
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "Catalog {Command} failed", string.Join(' ', args));
            return 1;
        }
    }
}
