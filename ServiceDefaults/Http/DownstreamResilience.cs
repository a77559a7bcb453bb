using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace AspireShop.ServiceDefaults.Http;

/// <summary>
/// How long a request may wait for one dependency, bound from the caller's section (e.g. <c>Cart:Inventory</c>). A
/// buyer is waiting, so attempts are short, retries few, and a breaker stops hammering a failing service.
/// </summary>
public sealed class DownstreamOptions
{
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxRetryAttempts { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The bulkhead: at most this many requests in flight to the dependency; the rest wait in a queue of
    /// <see cref="QueueLength"/> before any timeout starts, so a crowd queues here instead of timing out there.
    /// </summary>
    public int MaxConcurrency { get; set; } = 1000;

    public int QueueLength { get; set; }
}

public static class DownstreamResilienceExtensions
{
    /// <summary>
    /// Replaces ServiceDefaults' handler for this client with one tuned by <see cref="DownstreamOptions"/> from
    /// <paramref name="section"/>; unsafe requests are still retried only with an Idempotency-Key
    /// (<see cref="ResiliencePolicy"/>). <paramref name="configure"/> adds to it (breaker callbacks for metrics).
    /// </summary>
    public static IHttpClientBuilder AddDownstreamResilience(
        this IHttpClientBuilder client, string section, Action<HttpStandardResilienceOptions, IServiceProvider>? configure = null)
    {
        client.Services.AddOptions<DownstreamOptions>(section).BindConfiguration(section);
        // EXTEXP0001: RemoveAllResilienceHandlers is the documented way to replace ServiceDefaults' handler for one client.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler()
            .Configure((options, services) =>
            {
                var downstream = services.GetRequiredService<IOptionsMonitor<DownstreamOptions>>().Get(section);
                ResiliencePolicy.Configure(options);
                options.AttemptTimeout.Timeout = downstream.AttemptTimeout;
                options.TotalRequestTimeout.Timeout = downstream.TotalTimeout;
                options.Retry.MaxRetryAttempts = downstream.MaxRetryAttempts;
                options.Retry.Delay = downstream.RetryDelay;
                options.CircuitBreaker.FailureRatio = downstream.BreakerFailureRatio;
                options.CircuitBreaker.MinimumThroughput = downstream.BreakerMinimumThroughput;
                options.CircuitBreaker.SamplingDuration = downstream.BreakerSamplingDuration;
                options.CircuitBreaker.BreakDuration = downstream.BreakDuration;
                options.RateLimiter.DefaultRateLimiterOptions.PermitLimit = downstream.MaxConcurrency;
                options.RateLimiter.DefaultRateLimiterOptions.QueueLimit = downstream.QueueLength;
                configure?.Invoke(options, services);
            });
#pragma warning restore EXTEXP0001
        return client;
    }
}
