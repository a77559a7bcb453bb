using AspireShop.BuildingBlocks.Data;
using AspireShop.Inventory.API.Data;

namespace AspireShop.Inventory.API.Extensions;

/// <summary>One-shot step run instead of the web host: <c>migrate</c> (<see cref="MigrateStep"/>).</summary>
public static class InventoryCommands
{
    public const string Migrate = MigrateStep.Command;

    public static bool IsCommand(string[] args) => args.Contains(Migrate);

    public static Task<int> RunAsync(string[] args) =>
        MigrateStep.RunAsync<InventoryContext>(args, builder => builder.AddInventoryDatabase());
}
