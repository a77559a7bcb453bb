using AspireShop.BuildingBlocks.Data;
using AspireShop.Fulfillment.API.Apis;
using AspireShop.Fulfillment.API.Extensions;

if (FulfillmentCommands.IsCommand(args))
{
    return await FulfillmentCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDefaultRequestPipeline();
app.UseTenantIsolation();

app.MapShipmentsApi();
app.MapDeadLetterReplay();

app.Run();
return 0;

public partial class Program;
