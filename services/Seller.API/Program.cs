using AspireShop.BuildingBlocks.Data;
using AspireShop.Seller.API.Apis;
using AspireShop.Seller.API.Extensions;

if (SellerCommands.IsCommand(args))
{
    return await SellerCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDefaultRequestPipeline();
app.UseTenantIsolation();

app.MapApplicationsApi();
app.MapSellersApi();
app.MapLedgerApi();
app.MapDeadLetterReplay();

app.Run();
return 0;

public partial class Program;
