using AspireShop.Infrastructure.PaymentProvider.Apis;
using AspireShop.Infrastructure.PaymentProvider.Extensions;
using AspireShop.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource(Extensions.DatabaseName);
builder.AddProviderServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseRequestTextRule();

app.MapProviderApi();

app.Run();

/// <summary>The entry point, public for in-process tests.</summary>
public partial class Program;
