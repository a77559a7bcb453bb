using AspireShop.BuildingBlocks.Data;
using AspireShop.Catalog.API.Data;

namespace AspireShop.Catalog.API.Extensions;

/// <summary>
/// One-shot steps run instead of the web host: <c>migrate</c> (<see cref="MigrateStep"/>), <c>seed</c> migrates and
/// loads the demo catalog.
/// </summary>
public static class CatalogCommands
{
    public const string Migrate = MigrateStep.Command;
    public const string Seed = "seed";

    public static bool IsCommand(string[] args) => args.Contains(Migrate) || args.Contains(Seed);

    public static Task<int> RunAsync(string[] args) =>
        MigrateStep.RunAsync<CatalogContext>(
            args,
            builder =>
            {
                builder.AddCatalogDatabase();
                builder.Services.AddCatalogSeeder();
            },
            args.Contains(Seed) ? services => services.GetRequiredService<CatalogSeeder>().SeedAsync(CancellationToken.None) : null);
}
