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
    app.Logger.LogCritical(e, "Could not start the mock Kafka broker");
    return 1;
}

using var disposeCluster = cluster;
app.Logger.LogInformation("Mock Kafka broker listening on {BootstrapServers}", cluster.BootstrapServers);
foreach (var topic in topics)
{
    app.Logger.LogInformation("Created topic {Topic} with {Partitions} partitions", topic.Name, topic.Partitions);
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
        app.Logger.LogInformation("Mock Kafka broker ready at {BootstrapServers} {ElapsedMs} ms after start", cluster.BootstrapServers, started.ElapsedMilliseconds);
        return true;
    }
    catch (OperationCanceledException)
    {
        return false;
    }
    catch (TimeoutException e)
    {
        // A broker that never becomes reachable should fail the resource visibly instead of staying unhealthy forever.
        app.Logger.LogCritical(e, "Mock Kafka broker did not become ready; stopping");
        Environment.ExitCode = 1;
        app.Lifetime.StopApplication();
        return false;
    }
}
