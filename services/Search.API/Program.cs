using AspireShop.Search.API.Apis;
using AspireShop.Search.API.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
// After the status-code pages (added by MapDefaultEndpoints), so 401 and 403 answers carry ProblemDetails too.
app.UseAuthentication();
app.UseAuthorization();

app.MapSearchApi();
app.MapDeadLetterReplay();
app.MapNotFoundFallback();

app.Run();
