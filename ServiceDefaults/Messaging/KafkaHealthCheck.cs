using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireShop.ServiceDefaults.Messaging;

/// <summary>
/// Healthy when a metadata request is answered. Deliberately not ListConsumerGroups: the dev broker crashes the client on it.
/// </summary>
public sealed class KafkaHealthCheck(KafkaClientFactory factory) : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(factory.CreateAdminClient);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // GetMetadata blocks; keep it off the request thread.
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(TimeSpan.FromSeconds(5)), cancellationToken).ConfigureAwait(false);
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s), {metadata.Topics.Count} topic(s)")
                : HealthCheckResult.Unhealthy("Kafka answered with no brokers");
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Kafka metadata request failed", ex);
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
