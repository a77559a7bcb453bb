using Elastic.Clients.Elasticsearch;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

public static class ElasticsearchExtensions
{
    /// <summary>
    /// Registers an <see cref="ElasticsearchClient"/> and a ping health check when <c>ConnectionStrings:{connectionName}</c>
    /// is set (containers mode); returns false otherwise so the caller can fall back to the embedded index.
    /// Stands in for Aspire.Elastic.Clients.Elasticsearch, which is not served.
    /// </summary>
    public static bool TryAddElasticsearchClient(this IHostApplicationBuilder builder, string connectionName = "search")
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString) || !Uri.TryCreate(connectionString, UriKind.Absolute, out var uri))
        {
            return false;
        }

        builder.Services.AddSingleton(new ElasticsearchClient(new ElasticsearchClientSettings(uri)));
        builder.Services.AddHealthChecks().AddCheck<ElasticsearchHealthCheck>(connectionName, tags: ["ready"]);
        return true;
    }

    private sealed class ElasticsearchHealthCheck(ElasticsearchClient client) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var ping = await client.PingAsync(cancellationToken).ConfigureAwait(false);
            return ping.IsValidResponse ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Elasticsearch did not answer a ping");
        }
    }
}
