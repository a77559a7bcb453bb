using System.Net;

namespace AspireShop.Catalog.Tests;

/// <summary>The operator's endpoints: health for probes, dead-letter replay for admins.</summary>
public sealed class OperationsTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private CatalogApp App => fixture.App;

    [Fact]
    public async Task DeadLetterReplayIsForAdminsOnly()
    {
        using var anonymous = await App.Anonymous().PostAsync("/admin/dead-letters/replay", null);
        using var seller = await App.As(TestUser.NewSeller()).PostAsync("/admin/dead-letters/replay", null);
        using var admin = await App.As(TestUser.NewAdmin()).PostAsync("/admin/dead-letters/replay", null);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, seller.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task EveryMappedRouteIsInTheOpenApiDocument()
    {
        using var client = App.Anonymous();
        Assert.Empty(await OpenApiCoverage.UndocumentedAsync(App.Services, client));
    }

    [Fact]
    public async Task HealthIsAnonymous()
    {
        using var response = await App.Anonymous().GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
