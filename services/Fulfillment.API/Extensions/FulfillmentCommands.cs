using AspireShop.BuildingBlocks.Data;
using AspireShop.Fulfillment.API.Data;

namespace AspireShop.Fulfillment.API.Extensions;

/// <summary>One-shot step run instead of the web host: <c>migrate</c> (<see cref="MigrateStep"/>).</summary>
public static class FulfillmentCommands
{
    public const string Migrate = MigrateStep.Command;

    public static bool IsCommand(string[] args) => args.Contains(Migrate);

    public static Task<int> RunAsync(string[] args) =>
        MigrateStep.RunAsync<FulfillmentContext>(args, builder => builder.AddFulfillmentDatabase());
}
