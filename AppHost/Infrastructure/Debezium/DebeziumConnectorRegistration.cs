using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace AspireShop.AppHost.Infrastructure.Debezium;

/// <summary>
/// Containers mode: once Debezium Connect answers, creates or updates every CDC connector through its REST API and
/// reports each outcome in the debezium resource's log, where the dashboard shows it.
/// </summary>
public static partial class DebeziumConnectorRegistration
{
    /// <summary>The port the postgres image listens on inside the container network.</summary>
    private const int PostgresContainerPort = 5432;

    // Connect answers 409 while its workers rebalance and 5xx while it is still joining the group.
    private static readonly ResiliencePipeline<HttpResponseMessage> Retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .HandleResult(response => response.StatusCode == HttpStatusCode.Conflict || (int)response.StatusCode >= 500),
            MaxRetryAttempts = 5,
            Delay = TimeSpan.FromSeconds(1),
            BackoffType = DelayBackoffType.Exponential,
        })
        .Build();

    public static IResourceBuilder<ContainerResource> WithCdcConnectors(
        this IResourceBuilder<ContainerResource> debezium,
        IResourceBuilder<PostgresServerResource> postgres,
        IReadOnlyList<CdcSourceSettings> sources)
    {
        if (sources.Count == 0 || debezium.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return debezium;
        }

        var endpoint = debezium.GetEndpoint("http");
        return debezium.OnResourceReady(async (resource, @event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            var user = await postgres.Resource.UserNameReference.GetValueAsync(cancellationToken).ConfigureAwait(false);
            var password = await postgres.Resource.PasswordParameter.GetValueAsync(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
            {
                LogNoCredentials(logger);
                return;
            }

            var login = new DebeziumDatabaseLogin(postgres.Resource.Name, PostgresContainerPort, user, password);
            using var http = new HttpClient { BaseAddress = new Uri(endpoint.Url), Timeout = TimeSpan.FromSeconds(15) };
            foreach (var source in sources)
            {
                if (!postgres.Resource.Databases.Values.Contains(source.Database))
                {
                    LogUnknownDatabase(logger, source.Database);
                    continue;
                }

                // One at a time: the first connector of a database creates the shared publication, a parallel second would race it.
                foreach (var connector in DebeziumConnectorConfig.ForSource(source, login))
                {
                    await DebeziumConnectClient.RegisterAsync(http, Retry, connector, login.Password, logger, cancellationToken).ConfigureAwait(false);
                }
            }
        });
    }

    [LoggerMessage(LogLevel.Error, "CDC connectors not registered: the postgres user name or password parameter has no value.")]
    private static partial void LogNoCredentials(ILogger logger);

    [LoggerMessage(LogLevel.Error, "CDC source '{Database}' not registered: the AppHost adds no such database (platform.AddDatabase).")]
    private static partial void LogUnknownDatabase(ILogger logger, string database);
}
