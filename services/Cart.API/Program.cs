using AspireShop.Cart.API.Apis;
using AspireShop.Cart.API.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDefaultRequestPipeline();

app.MapCartApi();
app.MapDeadLetterReplay();

app.Run();

public partial class Program;
