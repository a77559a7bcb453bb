using System.Net;
using Aspire.Hosting.Testing;
using AspireShop.TestKit;

namespace AspireShop.Platform.Tests;

/// <summary>Run locally, every service the gateway proxies offers cleartext HTTP/2 beside its HTTP/1.1 endpoint.</summary>
[Collection(PlatformCollection.Name)]
public sealed class GatewayHttp2Tests(PlatformFixture platform)
{
    [Theory]
    [InlineData("catalog")]
    [InlineData("search")]
    [InlineData("inventory")]
    [InlineData("cart")]
    [InlineData("identity")]
    public async Task ProxiedServicesAnswerHttp2OnTheirH2cEndpointAndHttp11OnTheirHttpEndpoint(string service)
    {
        using var h2c = platform.App.CreateHttpClient(service, "h2c");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/alive")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var viaH2c = await h2c.SendAsync(request);
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (viaH2c.StatusCode, viaH2c.Version));

        using var http = platform.CreateHttpClient(service);
        using var viaHttp = await http.GetAsync("/alive");
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version11), (viaHttp.StatusCode, viaHttp.Version));
    }
}
