using AspireShop.BuildingBlocks.Data;
using AspireShop.Seller.API.Data;

namespace AspireShop.Seller.API.Extensions;

/// <summary>
/// One-shot step run instead of the web host: <c>migrate</c> (<see cref="MigrateStep"/>), as the schema owner, then the
/// demo sellers when <c>Seller:SeedDemoSellers</c> is on.
/// </summary>
public static class SellerCommands
{
    public const string Migrate = MigrateStep.Command;

    public static bool IsCommand(string[] args) => args.Contains(Migrate);

    public static Task<int> RunAsync(string[] args) =>
        MigrateStep.RunAsync<SellerContext>(
            args,
            builder =>
            {
                builder.AddSellerDatabase();
                builder.Services.AddSellerSeeder();
            },
            services => services.GetRequiredService<SellerSeeder>().SeedAsync(CancellationToken.None));
}
