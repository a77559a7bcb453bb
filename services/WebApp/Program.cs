using AspireShop.WebApp.Extensions;

var builder = WebApplication.CreateBuilder(args);
// Run from a build (the AppHost, tests) in any environment, scoped CSS and static files come from the build's manifest;
// a published app has them in wwwroot and no manifest, where this does nothing.
builder.WebHost.UseStaticWebAssets();

builder.AddServiceDefaults();
builder.AddWebApp();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseWebApp();
app.MapWebApp();

app.Run();

public partial class Program;
