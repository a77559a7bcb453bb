using AspireShop.TestKit;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace AspireShop.Platform.Tests;

/// <summary>
/// Every storefront page, as the user who can open it, scanned by axe-core in Chromium: no serious or critical
/// violation (missing labels, landmarks, contrast, names of buttons and links, heading order).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class StorefrontAccessibilityTests(PlatformFixture platform, StorefrontBrowser browser) : IClassFixture<StorefrontBrowser>
{
    [Fact]
    public async Task NoPageHasSeriousOrCriticalViolations()
    {
        var product = await StorefrontProduct.CreateAsync(platform);
        using var identity = platform.CreateHttpClient("identity");
        var (email, password) = await PlatformIdentity.RegisterBuyerAsync(identity);
        using var buyer = platform.CreateHttpClient("gateway", await PlatformIdentity.PasswordTokenAsync(identity, email, password));
        await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerAId);
        var orderId = await Checkout.PlaceAcceptedAsync(buyer);
        await Checkout.WaitForStatusAsync(buyer, orderId, "CONFIRMED");
        await Checkout.AddToCartAsync(buyer, product.SkuId, PlatformIdentity.DemoSellerBId);

        var findings = new List<string>();
        var anonymous = await browser.NewPageAsync(platform);
        await ScanAsync(anonymous, findings, "/", "/search?q=trail", $"/products/{product.ProductId}", "/account/register", "/access-denied", "/cart");

        var shopper = await browser.NewPageAsync(platform);
        await StorefrontBrowser.SignInAsync(shopper, email, password);
        await ScanAsync(shopper, findings, "/cart", "/checkout", "/orders", $"/orders/{orderId}", "/seller/apply");

        var seller = await browser.NewPageAsync(platform);
        await StorefrontBrowser.SignInAsync(seller, PlatformIdentity.DemoSellerA, PlatformIdentity.DemoPassword);
        await ScanAsync(seller, findings, "/seller", "/seller/products", "/seller/orders", "/seller/payouts");

        var admin = await browser.NewPageAsync(platform);
        await StorefrontBrowser.SignInAsync(admin, PlatformIdentity.DemoAdmin, PlatformIdentity.DemoPassword);
        await ScanAsync(admin, findings, "/admin/sellers", "/admin/parked");

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    private static async Task ScanAsync(IPage page, List<string> findings, params string[] paths)
    {
        foreach (var path in paths)
        {
            await StorefrontBrowser.RunAsync(page, $"axe{path.Replace('/', '-').Split('?')[0]}", async () =>
            {
                var response = await page.GotoAsync(path);
                Assert.True(response is { Ok: true }, $"{path}: {response?.Status}");
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                var result = await page.RunAxe();
                foreach (var violation in result.Violations.Where(v => v.Impact is "serious" or "critical"))
                {
                    var where = string.Join(" | ", violation.Nodes.Take(3).Select(node => node.Html));
                    findings.Add($"{path} (as seen at {page.Url}): {violation.Impact} {violation.Id}: {violation.Help} — {where}");
                }
            });
        }
    }
}
