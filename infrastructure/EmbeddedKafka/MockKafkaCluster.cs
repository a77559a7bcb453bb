using System.Net;
using Confluent.Kafka;

namespace AspireShop.Infrastructure.EmbeddedKafka;

/// <summary>Dev/test-only one-broker Kafka on librdkafka's mock cluster: no persistence, admin API, real transactions, TLS or SASL.</summary>
public sealed class MockKafkaCluster : IDisposable
{
    private const int BrokerId = 1;
    private const string AdvertisedHost = "localhost";

    /// <summary>A one-partition topic the readiness probe writes to and reads back; nothing else uses it.</summary>
    public const string ReadinessTopic = "__embedded-kafka.readiness";

    private static readonly TimeSpan MaxProbeCallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProbeRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly IntPtr _handle;
    private readonly IntPtr _cluster;
    private readonly TcpForwarder _forwarder;
    private int _disposed;

    private MockKafkaCluster(IntPtr handle, IntPtr cluster, TcpForwarder forwarder)
    {
        _handle = handle;
        _cluster = cluster;
        _forwarder = forwarder;
        BootstrapServers = $"{AdvertisedHost}:{forwarder.Port}";
    }

    /// <summary>The advertised <c>localhost:port</c> address, valid for clients in this and other processes.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts the cluster behind a forwarder on <paramref name="advertisedPort"/> (or a free port) and creates <paramref name="topics"/>.</summary>
    public static MockKafkaCluster Start(int? advertisedPort = null, IEnumerable<TopicSpec>? topics = null)
    {
        if (advertisedPort is { } port)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(port, IPEndPoint.MinPort + 1, nameof(advertisedPort));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort, nameof(advertisedPort));
        }

        var topicList = topics?.ToList() ?? [];
        var handle = LibRdKafka.NewProducer(new Dictionary<string, string>
        {
            ["client.id"] = "embedded-kafka-mock",
            // This handle never connects anywhere; without this it warns that bootstrap.servers is missing.
            ["log_level"] = "3",
        });

        var cluster = IntPtr.Zero;
        TcpForwarder? forwarder = null;
        try
        {
            cluster = LibRdKafka.rd_kafka_mock_cluster_new(handle, 1);
            if (cluster == IntPtr.Zero)
            {
                throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
            }

            // Consumers in dev/test should get partitions at once rather than after the broker's default 3 s delay.
            LibRdKafka.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
            var mockBroker = ParseEndpoint(LibRdKafka.ClusterBootstraps(cluster));
            forwarder = TcpForwarder.Start(advertisedPort, mockBroker);
            LibRdKafka.rd_kafka_mock_broker_set_host_port(cluster, BrokerId, AdvertisedHost, forwarder.Port);
        }
        catch
        {
            forwarder?.Dispose();
            if (cluster != IntPtr.Zero)
            {
                LibRdKafka.rd_kafka_mock_cluster_destroy(cluster);
            }

            LibRdKafka.rd_kafka_destroy(handle);
            throw;
        }

        var result = new MockKafkaCluster(handle, cluster, forwarder);
        try
        {
            result.CreateTopic(ReadinessTopic, 1);
            foreach (var topic in topicList)
            {
                result.CreateTopic(topic.Name, topic.Partitions);
            }
        }
        catch
        {
            result.Dispose();
            throw;
        }

        return result;
    }

    /// <summary>Creates a topic; a topic that already exists is left as it is (its partition count is not changed).</summary>
    public void CreateTopic(string name, int partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var err = LibRdKafka.rd_kafka_mock_topic_create(_cluster, name, partitions, 1);
        if (err is not LibRdKafka.ErrNoError and not LibRdKafka.ErrTopicAlreadyExists)
        {
            throw new InvalidOperationException($"Creating topic '{name}' failed: {LibRdKafka.ErrorName(err)}.");
        }
    }

    /// <summary>
    /// Waits until a client through the forwarder sees every topic's partitions led and answering watermark queries,
    /// and a message produced through the advertised address can be fetched back.
    /// </summary>
    /// <exception cref="TimeoutException">The cluster was not ready within <paramref name="timeout"/>.</exception>
    public async Task WaitUntilReadyAsync(IEnumerable<string> topics, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var expected = topics.Distinct().ToArray();
        var deadline = DateTime.UtcNow + timeout;
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        string? lastProblem = null;
        try
        {
            await Task.Run(
                async () =>
                {
                    using var consumer = new ConsumerBuilder<Ignore, Ignore>(ProbeConfig())
                        .SetLogHandler((_, message) =>
                        {
                            if (message.Level <= SyslogLevel.Warning)
                            {
                                lastProblem = message.Message;
                            }
                        })
                        .SetErrorHandler((_, error) => lastProblem = error.Reason)
                        .Build();
                    using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
                    while (true)
                    {
                        timeoutCts.Token.ThrowIfCancellationRequested();
                        var callTimeout = TimeSpan.FromTicks(Math.Clamp((deadline - DateTime.UtcNow).Ticks, TimeSpan.TicksPerMillisecond, MaxProbeCallTimeout.Ticks));
                        var problem = Probe(admin, consumer, expected, callTimeout)
                            ?? await RoundTripAsync(consumer, callTimeout, timeoutCts.Token);
                        if (problem is null)
                        {
                            return;
                        }

                        lastProblem = problem;
                        await Task.Delay(ProbeRetryDelay, timeoutCts.Token);
                    }
                },
                timeoutCts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Kafka at {BootstrapServers} was not ready within {timeout}: {lastProblem ?? "no response"}.");
        }
    }

    private ConsumerConfig ProbeConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = "embedded-kafka-readiness",
        ClientId = "embedded-kafka-readiness",
        AllowAutoCreateTopics = false,
        // The broker is local, so retry fast rather than back off for seconds while it comes up.
        ReconnectBackoffMs = 20,
        ReconnectBackoffMaxMs = 200,
        SocketConnectionSetupTimeoutMs = 2000,
    };

    private string? Probe(IAdminClient admin, IConsumer<Ignore, Ignore> consumer, string[] topics, TimeSpan callTimeout)
    {
        try
        {
            var metadata = admin.GetMetadata(callTimeout);
            if (!metadata.Brokers.Any(b => b.BrokerId == BrokerId && b.Host == AdvertisedHost && b.Port == _forwarder.Port))
            {
                return $"broker {BrokerId} is not advertised as {BootstrapServers}";
            }

            var leaders = metadata.Brokers.Select(b => b.BrokerId).ToHashSet();
            foreach (var name in topics)
            {
                var topic = metadata.Topics.FirstOrDefault(t => t.Topic == name);
                if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
                {
                    return $"topic '{name}' is not in the metadata yet ({topic?.Error.Reason ?? "missing"})";
                }

                foreach (var partition in topic.Partitions)
                {
                    if (partition.Error.IsError || !leaders.Contains(partition.Leader))
                    {
                        return $"{name}[{partition.PartitionId}] has no leader yet";
                    }

                    consumer.QueryWatermarkOffsets(new TopicPartition(name, partition.PartitionId), callTimeout);
                }
            }

            return null;
        }
        catch (KafkaException e)
        {
            return e.Message;
        }
    }

    /// <summary>Produce one message and fetch it back: metadata alone does not prove the data path works.</summary>
    private async Task<string?> RoundTripAsync(IConsumer<Ignore, Ignore> consumer, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        try
        {
            using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
            {
                BootstrapServers = BootstrapServers,
                MessageTimeoutMs = (int)callTimeout.TotalMilliseconds,
                ReconnectBackoffMs = 20,
                ReconnectBackoffMaxMs = 200,
            }).Build();
            var token = Guid.NewGuid().ToString("N");
            var delivered = await producer.ProduceAsync(ReadinessTopic, new Message<Null, string> { Value = token }, cancellationToken);

            consumer.Assign(delivered.TopicPartitionOffset);
            try
            {
                var fetched = consumer.Consume(callTimeout);
                return fetched?.Offset == delivered.Offset ? null : $"produced to {delivered.TopicPartitionOffset} but could not fetch it back";
            }
            finally
            {
                consumer.Unassign();
            }
        }
        catch (KafkaException e)
        {
            return e.Message;
        }
    }

    private static IPEndPoint ParseEndpoint(string bootstraps)
    {
        var first = bootstraps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return first is not null && IPEndPoint.TryParse(first, out var endpoint)
            ? endpoint
            : throw new InvalidOperationException($"Unexpected mock cluster bootstrap address '{bootstraps}'.");
    }

    /// <summary>Stops the forwarder (dropping client connections) and destroys the cluster and all its data.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _forwarder.Dispose();
        LibRdKafka.rd_kafka_mock_cluster_destroy(_cluster);
        LibRdKafka.rd_kafka_destroy(_handle);
    }
}
