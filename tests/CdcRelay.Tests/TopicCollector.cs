using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace AspireShop.CdcRelay.Tests;

/// <summary>
/// Reads a topic from its beginning in the background. The topic may not exist yet: the relay's producer makes the
/// broker auto-create it on first produce, so this waits for it to appear in the metadata, then assigns every partition.
/// </summary>
internal sealed class TopicCollector : IDisposable
{
    private readonly List<Received> _received = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private volatile string? _problem;

    public TopicCollector(string bootstrapServers, string topic)
    {
        Topic = topic;
        _thread = new Thread(() => Run(bootstrapServers)) { IsBackground = true, Name = $"collect {topic}" };
        _thread.Start();
    }

    public string Topic { get; }

    public int Partitions { get; private set; }

    public IReadOnlyList<Received> Messages
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public string Describe() => $"{Messages.Count} messages on {Topic} ({Partitions} partitions){(_problem is null ? "" : $"; last problem: {_problem}")}";

    /// <summary>Asks through a consumer, which (unlike an admin or producer client) never makes the broker auto-create the topic.</summary>
    public static bool Exists(string bootstrapServers, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "exists-probe",
            AllowAutoCreateTopics = false,
        }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        return !admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Error.IsError;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private void Run(string bootstrapServers)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"collector-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AllowAutoCreateTopics = false,
            FetchWaitMaxMs = 5,
            EnablePartitionEof = false,
        }).SetErrorHandler((_, e) => _problem = e.Reason).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        while (!_stop.IsCancellationRequested && Partitions == 0)
        {
            try
            {
                var metadata = admin.GetMetadata(Topic, TimeSpan.FromSeconds(1)).Topics.Single();
                Partitions = metadata.Error.IsError ? 0 : metadata.Partitions.Count;
            }
            catch (KafkaException e)
            {
                _problem = e.Message;
            }

            _stop.Token.WaitHandle.WaitOne(Partitions == 0 ? 20 : 0);
        }

        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        while (!_stop.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is { } message)
            {
                var headers = message.Headers?.ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes())) ?? [];
                lock (_received)
                {
                    _received.Add(new Received(message.Key, message.Value, headers, Stopwatch.GetTimestamp()));
                }
            }
        }
    }
}

internal sealed record Received(byte[]? Key, byte[]? Value, IReadOnlyDictionary<string, string> Headers, long ReceivedAt)
{
    public string? KeyText => Key is null ? null : Encoding.UTF8.GetString(Key);

    public string? ValueText => Value is null ? null : Encoding.UTF8.GetString(Value);
}
