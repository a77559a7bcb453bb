using AspireShop.Gateway.Extensions;
using AspireShop.Gateway.Middleware;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseCorrelationId();
app.UseTrustedStorefront(app.Configuration);
app.MapDefaultEndpoints();
app.UseRouting();
// Authenticate first so the limiter partitions by user; limit before authorizing so a flood of bad tokens is throttled too.
app.UseDefaultRequestPipeline(beforeAuthorization: a => a.UseRateLimiter());

app.MapGatewayRoutes();

app.Run();

public partial class Program;
