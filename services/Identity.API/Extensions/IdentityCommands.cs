using AspireShop.BuildingBlocks.Data;
using AspireShop.Identity.API.Data;

namespace AspireShop.Identity.API.Extensions;

/// <summary>
/// One-shot step run instead of the web host: <c>migrate</c> (<see cref="MigrateStep"/>) also creates the token keys,
/// and the demo users when <c>Identity:SeedDemoUsers</c> is on. OAuth clients are left to the service's start, which has
/// their configuration.
/// </summary>
public static class IdentityCommands
{
    public const string Migrate = MigrateStep.Command;

    public static bool IsCommand(string[] args) => args.Contains(Migrate);

    public static Task<int> RunAsync(string[] args) =>
        MigrateStep.RunAsync<IdentityContext>(
            args,
            builder =>
            {
                builder.AddIdentityDatabase();
                builder.Services.AddIdentityStores();
            },
            services => services.GetRequiredService<IdentitySeeder>().SeedAsync(includeClients: false, CancellationToken.None));
}
