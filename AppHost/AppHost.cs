using AspireShop.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

PlatformInfrastructure platform;
try
{
    platform = builder.AddPlatformInfrastructure();
}
catch (InfrastructureConfigurationException ex)
{
    // One line that says what to do beats a stack trace from deep inside the app model.
    Console.Error.WriteLine($"AspireShop AppHost cannot start: {ex.Message}");
    return 2;
}

var catalogDb = platform.AddDatabase("catalogdb");
var searchDb = platform.AddDatabase("searchdb");

// Migrations run to completion before the service starts, so no instance ever serves against an old schema.
var catalogMigrations = builder.AddProject<Projects.Catalog_API>("catalog-migrations", launchProfileName: null)
    .WithArgs("migrate")
    .WithReference(catalogDb)
    .WaitFor(catalogDb);

builder.AddProject<Projects.Catalog_API>("catalog", launchProfileName: null)
    .WithHttpEndpoint()
    .WithPlatform(platform, catalogDb)
    .WaitForCompletion(catalogMigrations)
    // Header identity for sellers and admins until the Identity issue issues real tokens.
    .WithEnvironment("Catalog__AllowDevelopmentIdentity", "true")
    .WithDeadLetterReplay()
    .WithAdminCommand("/admin/catalog/seed", "Seed demo data", "seed-demo-data", "Create the deterministic demo catalog (sellers, ~10 000 products) if it is empty");

var search = builder.AddProject<Projects.Search_API>("search", launchProfileName: null)
    .WithHttpEndpoint()
    .WithPlatform(platform, searchDb)
    // The snapshot for a rebuild is read from the catalog's tables, as Debezium's snapshot would.
    .WithReference(catalogDb, "catalogdb-snapshot")
    .WithDeadLetterReplay()
    .WithAdminCommand("/admin/search/rebuild", "Rebuild search index", "rebuild-index", "Re-read the catalog tables into a fresh index, then resume the change stream");
if (platform.Search is { } elasticsearch)
{
    search.WithReference(elasticsearch, PlatformInfrastructure.SearchConnectionName).WaitFor(elasticsearch);
}

if (platform.DataDirectory is { } data)
{
    search.WithEnvironment("Search__IndexPath", Path.Combine(data, "search-index"));
}

builder.Build().Run();
return 0;
