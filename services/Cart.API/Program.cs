using AspireShop.Cart.API.Apis;
using AspireShop.Cart.API.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
// After the status-code pages (added by MapDefaultEndpoints), so 401 and 403 answers carry ProblemDetails too.
app.UseAuthentication();
app.UseAuthorization();

app.MapCartApi();

app.Run();

public partial class Program;
