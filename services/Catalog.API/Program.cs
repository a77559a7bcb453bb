using AspireShop.BuildingBlocks.Data;
using AspireShop.Catalog.API.Apis;
using AspireShop.Catalog.API.Extensions;

if (CatalogCommands.IsCommand(args))
{
    return await CatalogCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDefaultRequestPipeline();
app.UseTenantIsolation();

app.MapProductsApi();
app.MapOffersApi();
app.MapCatalogAdminApi();
app.MapDeadLetterReplay();

app.Run();
return 0;

public partial class Program;
