using AspireShop.Search.API.Apis;
using AspireShop.Search.API.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDefaultRequestPipeline();

app.MapSearchApi();
app.MapDeadLetterReplay();

app.Run();
