using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>Healthy once the broker answers a metadata request (never ListConsumerGroups, which crashes on the dev broker).</summary>
public sealed class KafkaMetadataHealthCheck(Func<string?> bootstrapServers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (bootstrapServers() is not { Length: > 0 } servers)
        {
            return HealthCheckResult.Unhealthy("Kafka has no address yet");
        }

        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers }).Build();
            var metadata = await Task.Run(() => admin.GetMetadata(TimeSpan.FromSeconds(3)), cancellationToken).ConfigureAwait(false);
            return metadata.Brokers.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("No brokers");
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }
    }
}
