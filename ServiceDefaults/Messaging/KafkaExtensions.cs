using AspireShop.ServiceDefaults.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class KafkaExtensions
{
    /// <summary>
    /// Registers <see cref="KafkaClientFactory"/> and a metadata health check from <c>ConnectionStrings:{connectionName}</c>.
    /// No shared producer: services publish through their outbox, never to the broker directly.
    /// </summary>
    public static TBuilder AddKafkaClients<TBuilder>(this TBuilder builder, string connectionName = "kafka")
        where TBuilder : IHostApplicationBuilder
    {
        var bootstrap = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not set. Run the service from the AppHost, or set it to a broker list such as localhost:9092.");
        }

        builder.Services.AddSingleton(sp => new KafkaClientFactory(bootstrap, sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<KafkaHealthCheck>();
        builder.Services.AddHealthChecks().AddCheck<KafkaHealthCheck>(connectionName, tags: ["ready"]);
        return builder;
    }
}
