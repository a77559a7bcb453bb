using AspireShop.Payment.API.Apis;
using AspireShop.Payment.API.Extensions;

if (PaymentCommands.IsCommand(args))
{
    return await PaymentCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDefaultRequestPipeline();

app.MapPaymentsApi();
app.MapWebhooksApi();
app.MapDeadLetterReplay();

app.Run();
return 0;

public partial class Program;
