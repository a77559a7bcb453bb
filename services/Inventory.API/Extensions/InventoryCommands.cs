using AspireShop.Inventory.API.Data;

namespace AspireShop.Inventory.API.Extensions;

/// <summary>
/// One-shot step run instead of the web host: <c>migrate</c> applies the EF migrations (the AppHost's
/// <c>inventory-migrations</c> resource, which the service waits for).
/// </summary>
public static class InventoryCommands
{
    public const string Migrate = "migrate";

    public static bool IsCommand(string[] args) => args.Contains(Migrate);

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddServiceDefaults();
        builder.AddInventoryDatabase();

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InventoryCommands));
        try
        {
            await InventoryMigrator.MigrateAsync(host.Services);
            logger.LogInformation("Inventory database migrated");
            return 0;
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "Inventory {Command} failed", string.Join(' ', args));
            return 1;
        }
    }
}
