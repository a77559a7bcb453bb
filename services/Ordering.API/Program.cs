using AspireShop.Ordering.API.Apis;
using AspireShop.Ordering.API.Extensions;

if (OrderingCommands.IsCommand(args))
{
    return await OrderingCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDefaultRequestPipeline();

app.MapOrdersApi();
app.MapOrderingAdminApi();
app.MapDeadLetterReplay();

app.Run();
return 0;

public partial class Program;
