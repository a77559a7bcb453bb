using Microsoft.AspNetCore.Components;

namespace AspireShop.WebApp.Components;

/// <summary>Links into the sign-in flow, back to where the shopper was.</summary>
public static class Account
{
    /// <summary>
    /// <c>/account/login?returnUrl=…</c> for the current page (or <paramref name="returnPath"/>). Render such links with
    /// <c>data-enhance-nav="false"</c>, and use <c>forceLoad: true</c> when navigating: they end on Identity's site.
    /// </summary>
    public static string LoginUrl(NavigationManager navigation, string? returnPath = null)
    {
        var target = returnPath ?? "/" + navigation.ToBaseRelativePath(navigation.Uri);
        // Coming back to the sign-in page itself would loop.
        if (target.StartsWith("/account/", StringComparison.OrdinalIgnoreCase))
        {
            target = "/";
        }

        return "/account/login?returnUrl=" + Uri.EscapeDataString(target);
    }
}
