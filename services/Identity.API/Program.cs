using AspireShop.Identity.API.Apis;
using AspireShop.Identity.API.Extensions;

if (IdentityCommands.IsCommand(args))
{
    return await IdentityCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
// OpenIddict answers discovery and JWKS inside UseAuthentication, before authorization runs: they are anonymous by design.
app.UseDefaultRequestPipeline();
// After authentication, so the login form's antiforgery token is bound to the right (anonymous) user.
app.UseAntiforgery();

app.MapConnectApi();
app.MapAccountApi();
app.MapUsersApi();
app.MapDeadLetterReplay();

app.Run();
return 0;

public partial class Program;
