using AspireShop.Inventory.API.Apis;
using AspireShop.Inventory.API.Extensions;

if (InventoryCommands.IsCommand(args))
{
    return await InventoryCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDefaultRequestPipeline();

app.MapStockApi();
app.MapReservationsApi();
app.MapFlashSalesApi();
app.MapDeadLetterReplay();

app.Run();
return 0;

public partial class Program;
