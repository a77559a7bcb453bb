using AspireShop.WebApp.Components;
using AspireShop.WebApp.Services;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireShop.WebApp.Extensions;

/// <summary>Everything the storefront registers and maps, so Program.cs stays as short as every service's.</summary>
public static class WebAppExtensions
{
    public static IHostApplicationBuilder AddWebApp(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddSessionStore();
        builder.AddStorefrontAuthentication();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddAntiforgery(options => options.Cookie.Name = "aspireshop.antiforgery");
        // A bad form (no antiforgery token) is a 400 page in every environment, not a developer exception.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);

        builder.Services.AddGatewayClient<CatalogClient>();
        builder.Services.AddGatewayClient<SellerDirectory>();
        builder.Services.AddGatewayClient<SearchClient>();
        builder.Services.AddGatewayClient<InventoryClient>();
        builder.Services.AddGatewayClient<IdentityClient>();
        builder.Services.AddBuyerClients();
        builder.Services.AddSellerAdminClients();
        return builder;
    }

    /// <summary>Call after <c>MapDefaultEndpoints</c>: these handlers sit inside its ProblemDetails ones and win for pages.</summary>
    public static WebApplication UseWebApp(this WebApplication app)
    {
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/error/{0}", createScopeForStatusCodePages: true);
        app.Use(ErrorPagesForBrowsersAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapWebApp(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapAccountEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>
    /// Browsers get a page for an error status: a GET is re-executed as /error/{code} (the status stays); a form post is
    /// redirected there, because re-executing it would re-read the form that was just rejected. Anything else (Blazor's
    /// hub, scripts, probes) keeps ServiceDefaults' bare answer.
    /// </summary>
    private static async Task ErrorPagesForBrowsersAsync(HttpContext context, RequestDelegate next)
    {
        var isPage = context.Request.Headers.Accept.Any(accept => accept?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
        var isRead = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (isPage && isRead)
        {
            await next(context);
            return;
        }

        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        await next(context);
        var response = context.Response;
        if (isPage && response.StatusCode is >= 400 and < 600 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
        {
            response.Redirect($"/error/{response.StatusCode}");
        }
    }
}
