using AspireShop.Catalog.API.Apis;
using AspireShop.Catalog.API.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapPingApi();
app.MapDeadLetterReplay();

app.Run();
