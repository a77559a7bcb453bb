using AspireShop.Identity.API.Data;

namespace AspireShop.Identity.API.Extensions;

/// <summary>
/// One-shot step run instead of the web host: <c>migrate</c> applies the EF migrations, creates the token keys, and
/// the demo users when <c>Identity:SeedDemoUsers</c> is on (the AppHost's <c>identity-migrations</c> resource, which
/// the service waits for). OAuth clients are left to the service's start, which has their configuration.
/// </summary>
public static class IdentityCommands
{
    public const string Migrate = "migrate";

    public static bool IsCommand(string[] args) => args.Contains(Migrate);

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddServiceDefaults();
        builder.AddIdentityDatabase();
        builder.Services.AddIdentityStores();

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IdentityCommands));
        try
        {
            await IdentityMigrator.MigrateAsync(host.Services);
            logger.LogInformation("Identity database migrated");
            await using var scope = host.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IdentitySeeder>().SeedAsync(includeClients: false, CancellationToken.None);
            return 0;
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "Identity {Command} failed", string.Join(' ', args));
            return 1;
        }
    }
}
