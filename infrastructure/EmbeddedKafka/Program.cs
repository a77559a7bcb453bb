using System.Diagnostics;
using AspireShop.Infrastructure.EmbeddedKafka;

var started = Stopwatch.StartNew();
var builder = WebApplication.CreateSlimBuilder(args);

var portSetting = builder.Configuration["KAFKA_PORT"];
if (!int.TryParse(portSetting, out var kafkaPort) || kafkaPort is < 1 or > 65535)
{
    Console.Error.WriteLine($"EmbeddedKafka: KAFKA_PORT must be set to the TCP port to advertise the broker on (1-65535), got '{portSetting}'.");
    return 2;
}

var kafka = builder.Configuration.GetSection("Kafka");
var defaultPartitions = kafka.GetValue("DefaultPartitions", 12);
var topics = new List<TopicSpec>();
foreach (var entry in kafka.GetSection("Topics").GetChildren())
{
    if (string.IsNullOrWhiteSpace(entry["Name"]))
    {
        Console.Error.WriteLine($"EmbeddedKafka: {entry.Path}:Name is required.");
        return 2;
    }

    topics.Add(new TopicSpec(entry["Name"]!, entry.GetValue("Partitions", defaultPartitions)));
}

var app = builder.Build();
MockKafkaCluster cluster;
try
{
    cluster = MockKafkaCluster.Start(kafkaPort, topics);
}
catch (InvalidOperationException e)
{
    BrokerLog.StartFailed(app.Logger, e);
    return 1;
}

using var disposeCluster = cluster;
BrokerLog.Listening(app.Logger, cluster.BootstrapServers);
foreach (var topic in topics)
{
    BrokerLog.TopicCreated(app.Logger, topic.Name, topic.Partitions);
}

var ready = WaitUntilReadyAsync();
app.MapGet("/health", () => ready.IsCompletedSuccessfully && ready.Result ? Results.Text("Healthy") : Results.Text("Unhealthy", statusCode: 503));
app.MapGet("/alive", () => Results.Text("Healthy"));

await app.RunAsync();
return Environment.ExitCode;

async Task<bool> WaitUntilReadyAsync()
{
    try
    {
        await cluster.WaitUntilReadyAsync(topics.Select(t => t.Name), TimeSpan.FromSeconds(60), app.Lifetime.ApplicationStopping);
        BrokerLog.Ready(app.Logger, cluster.BootstrapServers, started.ElapsedMilliseconds);
        return true;
    }
    catch (OperationCanceledException)
    {
        return false;
    }
    catch (TimeoutException e)
    {
        // A broker that never becomes reachable should fail the resource visibly instead of staying unhealthy forever.
        BrokerLog.NotReady(app.Logger, e);
        Environment.ExitCode = 1;
        app.Lifetime.StopApplication();
        return false;
    }
}

internal static partial class BrokerLog
{
    [LoggerMessage(LogLevel.Critical, "Could not start the mock Kafka broker")]
    public static partial void StartFailed(ILogger logger, Exception error);

    [LoggerMessage(LogLevel.Information, "Mock Kafka broker listening on {BootstrapServers}")]
    public static partial void Listening(ILogger logger, string bootstrapServers);

    [LoggerMessage(LogLevel.Information, "Created topic {Topic} with {Partitions} partitions")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(LogLevel.Information, "Mock Kafka broker ready at {BootstrapServers} {ElapsedMs} ms after start")]
    public static partial void Ready(ILogger logger, string bootstrapServers, long elapsedMs);

    [LoggerMessage(LogLevel.Critical, "Mock Kafka broker did not become ready; stopping")]
    public static partial void NotReady(ILogger logger, Exception error);
}
