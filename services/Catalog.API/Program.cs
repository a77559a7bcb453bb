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
// After the status-code pages (added by MapDefaultEndpoints), so 401 and 403 answers carry ProblemDetails too.
app.UseAuthentication();
app.UseAuthorization();

app.MapProductsApi();
app.MapOffersApi();
app.MapCatalogAdminApi();
app.MapPlatformEndpoints();

app.Run();
return 0;

public partial class Program;
