using AspireShop.BuildingBlocks.Data;
using AspireShop.Payment.API.Data;

namespace AspireShop.Payment.API.Extensions;

/// <summary>One-shot step run instead of the web host: <c>migrate</c> (<see cref="MigrateStep"/>).</summary>
public static class PaymentCommands
{
    public const string Migrate = MigrateStep.Command;

    public static bool IsCommand(string[] args) => args.Contains(Migrate);

    public static Task<int> RunAsync(string[] args) =>
        MigrateStep.RunAsync<PaymentContext>(args, builder => builder.AddPaymentDatabase());
}
