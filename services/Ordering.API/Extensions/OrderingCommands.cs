using AspireShop.BuildingBlocks.Data;
using AspireShop.Ordering.API.Data;

namespace AspireShop.Ordering.API.Extensions;

/// <summary>One-shot step run instead of the web host: <c>migrate</c> (<see cref="MigrateStep"/>).</summary>
public static class OrderingCommands
{
    public static bool IsCommand(string[] args) => args.Contains(MigrateStep.Command);

    public static Task<int> RunAsync(string[] args) =>
        MigrateStep.RunAsync<OrderingContext>(args, builder => builder.AddOrderingDatabase());
}
