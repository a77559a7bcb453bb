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

builder.AddProject<Projects.Catalog_API>("catalog", launchProfileName: null)
    .WithHttpEndpoint()
    .WithPlatform(platform, catalogDb)
    .WithDeadLetterReplay();

builder.Build().Run();
return 0;
