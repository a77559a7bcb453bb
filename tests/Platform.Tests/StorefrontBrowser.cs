using AspireShop.TestKit;
using Microsoft.Playwright;

namespace AspireShop.Platform.Tests;

/// <summary>
/// Debian's chromium driven by Playwright, headless, against the WebApp of the running platform. One browser per test
/// class; each shopper gets a fresh context (its own cookies), so signed-in sessions never leak between tests.
/// </summary>
public sealed class StorefrontBrowser : IAsyncLifetime
{
    /// <summary>Debian's package: a test tool's own browser download is not possible on these machines.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    /// <summary>Where screenshots of a failed step are kept (CI keeps TestResults as artifacts).</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "storefront");

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        // A page waits for what it asserts; a busy two-core machine renders slower than a laptop.
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A new shopper at the WebApp: empty cookie jar, one page.</summary>
    public async Task<IPage> NewPageAsync(PlatformFixture platform)
    {
        using var webApp = platform.CreateHttpClient("webapp");
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = webApp.BaseAddress!.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Runs the steps; on failure keeps a full-page screenshot named after the test and the page it was on.</summary>
    public static async Task RunAsync(IPage page, string name, Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch
        {
            Directory.CreateDirectory(ArtifactsDirectory);
            var file = Path.Combine(ArtifactsDirectory, $"{name}-{DateTime.UtcNow:HHmmss}.png");
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
                await File.WriteAllTextAsync(Path.ChangeExtension(file, ".html"), await page.ContentAsync());
            }
            catch (PlaywrightException)
            {
                // The page may be gone with the failure; the original exception is what matters.
            }

            throw;
        }
    }

    /// <summary>Signs in through the storefront's sign-in link and Identity's own form (authorization code + PKCE).</summary>
    public static async Task SignInAsync(IPage page, string email, string password, string returnUrl = "/")
    {
        await page.GotoAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}");
        await FillIdentityFormAsync(page, email, password);
        await page.WaitForURLAsync(url => !url.Contains("/auth/", StringComparison.Ordinal));
    }

    /// <summary>Identity's sign-in page, wherever the flow brought the browser.</summary>
    public static async Task FillIdentityFormAsync(IPage page, string email, string password)
    {
        await page.WaitForURLAsync(url => url.Contains("/auth/account/login", StringComparison.Ordinal));
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
