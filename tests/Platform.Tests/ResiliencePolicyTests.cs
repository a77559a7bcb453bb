using System.Net;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;

namespace AspireShop.Platform.Tests;

/// <summary>Every HttpClient gets the standard pipeline; unsafe requests are retried only with an Idempotency-Key.</summary>
public sealed class ResiliencePolicyTests
{
    [Theory]
    [InlineData("GET", false, 4)]
    [InlineData("POST", false, 1)]
    [InlineData("PUT", false, 1)]
    [InlineData("DELETE", false, 1)]
    [InlineData("POST", true, 4)]
    public async Task TransientFailuresAreRetriedOnlyWhenReplayIsSafe(string method, bool idempotencyKey, int expectedAttempts)
    {
        var upstream = new AlwaysUnavailable();
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.Services.AddHttpClient("upstream").ConfigurePrimaryHttpMessageHandler(() => upstream);
        // Real backoff is seconds long; the attempt count is what is under test.
        builder.Services.PostConfigureAll<HttpStandardResilienceOptions>(options => options.Retry.Delay = TimeSpan.FromMilliseconds(1));
        using var host = builder.Build();

        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("upstream");
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://upstream.test/api/thing");
        if (idempotencyKey)
        {
            request.Headers.Add(ResiliencePolicy.IdempotencyKeyHeader, Guid.NewGuid().ToString());
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(expectedAttempts, upstream.Attempts);
    }

    private sealed class AlwaysUnavailable : HttpMessageHandler
    {
        private int _attempts;

        public int Attempts => _attempts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request });
        }
    }
}
