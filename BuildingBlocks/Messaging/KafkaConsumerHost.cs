using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using AspireShop.ServiceDefaults.Diagnostics;
using AspireShop.ServiceDefaults.Messaging;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireShop.BuildingBlocks.Messaging;

/// <summary>
/// Runs one consumer group: partitions are handled in parallel (each in order) behind a bulkhead, failures are retried
/// with backoff and full jitter, a message that keeps failing goes to the dead-letter topic, and an offset is committed
/// only after its message was handled or dead-lettered, so nothing is lost on a crash (only redelivered).
/// </summary>
internal sealed partial class KafkaConsumerHost<THandler>(
    ConsumerRegistration<THandler> registration,
    KafkaClientFactory kafka,
    IServiceScopeFactory scopes,
    ILogger<KafkaConsumerHost<THandler>> logger) : BackgroundService
    where THandler : class, IMessageDispatcher
{
    private static readonly Meter Meter = new(KafkaTelemetry.MeterName);
    private static readonly Counter<long> Handled = Meter.CreateCounter<long>("aspireshop.consumer.handled");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("aspireshop.consumer.attempts_failed");
    private static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("aspireshop.consumer.dead_lettered");

    private readonly ConsumerOptions _options = registration.Options;
    private readonly int _maxBatch = registration.Batches ? registration.Options.MaxBatchSize : 1;
    private readonly ConcurrentDictionary<TopicPartition, PartitionWorker> _workers = new();
    private SemaphoreSlim _bulkhead = null!;
    // Created at the first dead letter: an idle producer per consumer group costs threads, a connection and CPU.
    private Lazy<IProducer<string?, string?>> _deadLetters = null!;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Consume() blocks, so the loop gets a thread of its own instead of a pool thread.
        Task.Factory.StartNew(() => ConsumeLoop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void ConsumeLoop(CancellationToken stopping)
    {
        _bulkhead = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        _deadLetters = new Lazy<IProducer<string?, string?>>(() => kafka.CreateProducer<string?, string?>());
        using var consumer = new ConsumerBuilder<string?, string?>(kafka.CreateConsumerConfig(_options.GroupId))
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                foreach (var partition in partitions)
                {
                    _workers[partition] = new PartitionWorker(this, stopping);
                }
            })
            .SetPartitionsRevokedHandler((c, partitions) => Release(c, partitions.Select(p => p.TopicPartition), commit: true))
            .SetPartitionsLostHandler((c, partitions) => Release(c, partitions.Select(p => p.TopicPartition), commit: false))
            .Build();

        consumer.Subscribe(_options.Topics);
        LogStarted(_options.GroupId, string.Join(", ", _options.Topics));
        var lastCommit = DateTime.UtcNow;
        var paused = new HashSet<TopicPartition>();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                ConsumeResult<string?, string?>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                }
                catch (ConsumeException ex) when (ex.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition)
                {
                    // A topic not provisioned yet is a configuration gap, not a reason to stop consuming the others.
                    LogTopicMissing(ex, _options.GroupId);
                    Thread.Sleep(TimeSpan.FromSeconds(1));
                    continue;
                }

                if (result?.Message is not null && _workers.TryGetValue(result.TopicPartition, out var worker))
                {
                    // A full partition is paused, not waited for: waiting would hold back every other partition.
                    if (!worker.Offer(consumer, result) && paused.Add(result.TopicPartition))
                    {
                        consumer.Pause([result.TopicPartition]);
                    }
                }

                Resume(consumer, paused);

                if (_workers.Values.FirstOrDefault(w => w.Fault is not null)?.Fault is { } fault)
                {
                    throw new InvalidOperationException($"Consumer group {_options.GroupId} stopped: a message could not be handled or dead-lettered.", fault);
                }

                if (DateTime.UtcNow - lastCommit > TimeSpan.FromSeconds(1))
                {
                    Commit(consumer);
                    lastCommit = DateTime.UtcNow;
                }
            }
        }
        finally
        {
            Release(consumer, _workers.Keys.ToList(), commit: true);
            consumer.Close();
            if (_deadLetters.IsValueCreated)
            {
                _deadLetters.Value.Dispose();
            }
        }
    }

    /// <summary>Resumes paused partitions whose handlers caught up (or that were revoked meanwhile).</summary>
    private void Resume(IConsumer<string?, string?> consumer, HashSet<TopicPartition> paused)
    {
        foreach (var partition in paused.ToList())
        {
            if (!_workers.TryGetValue(partition, out var worker))
            {
                paused.Remove(partition);
            }
            else if (worker.TryDrainOverflow(consumer))
            {
                paused.Remove(partition);
                consumer.Resume([partition]);
            }
        }
    }

    /// <summary>Lets in-flight messages of these partitions finish, then commits what they handled.</summary>
    private void Release(IConsumer<string?, string?> consumer, IEnumerable<TopicPartition> partitions, bool commit)
    {
        foreach (var partition in partitions)
        {
            if (_workers.TryRemove(partition, out var worker))
            {
                worker.Complete();
            }
        }

        if (commit)
        {
            Commit(consumer);
        }
    }

    private void Commit(IConsumer<string?, string?> consumer)
    {
        try
        {
            consumer.Commit();
        }
        catch (KafkaException ex) when (ex.Error.Code is ErrorCode.Local_NoOffset)
        {
            // Nothing handled since the last commit.
        }
        catch (KafkaException ex)
        {
            // The offsets stay stored and go with the next commit; at worst a message is redelivered, never lost.
            LogCommitFailed(ex, _options.GroupId);
        }
    }

    /// <summary>
    /// A batch handler gets the batch in one attempt; if that fails, its messages are handled one by one with the usual
    /// retries, so one poison message is dead-lettered alone and the others still land.
    /// </summary>
    private async Task HandleAsync(IReadOnlyList<ConsumeResult<string?, string?>> batch, CancellationToken stopping)
    {
        if (batch.Count > 1)
        {
            await _bulkhead.WaitAsync(stopping);
            try
            {
                using var activity = KafkaTelemetry.StartConsumeBatchActivity(batch, _options.GroupId);
                await using var scope = scopes.CreateAsyncScope();
                var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                ReceivedMessage[] messages = [.. batch.Select(r => ReceivedMessage.From(r))];
                HitCrashPoints("consume-before", messages);
                await handler.DispatchBatchAsync(messages, stopping);
                HitCrashPoints("consume-after", messages);
                Handled.Add(batch.Count, new KeyValuePair<string, object?>("group", _options.GroupId));
                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                Failed.Add(1, new KeyValuePair<string, object?>("group", _options.GroupId));
                LogBatchFailed(ex, _options.GroupId, batch[0].TopicPartitionOffset.ToString(), batch.Count);
            }
            finally
            {
                _bulkhead.Release();
            }
        }

        foreach (var result in batch)
        {
            await HandleAsync(result, stopping);
        }
    }

    private async Task HandleAsync(ConsumeResult<string?, string?> result, CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            await _bulkhead.WaitAsync(stopping);
            try
            {
                using var activity = KafkaTelemetry.StartConsumeActivity(result, _options.GroupId);
                await using var scope = scopes.CreateAsyncScope();
                var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                var message = ReceivedMessage.From(result, attempt);
                CrashPoints.Hit("consume-before", message.Type);
                await handler.DispatchAsync(message, stopping);
                // Between the handler's commit and the offset's: the message comes again and must change nothing.
                CrashPoints.Hit("consume-after", message.Type);
                Handled.Add(1, new KeyValuePair<string, object?>("group", _options.GroupId));
                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                Failed.Add(1, new KeyValuePair<string, object?>("group", _options.GroupId));
                if (ex is PoisonMessageException || attempt >= _options.MaxAttempts)
                {
                    await DeadLetterAsync(result, ex, attempt, stopping);
                    return;
                }

                LogRetrying(ex, _options.GroupId, result.TopicPartitionOffset.ToString(), attempt);
            }
            finally
            {
                _bulkhead.Release();
            }

            await Task.Delay(_options.BackoffBefore(attempt + 1), stopping);
        }
    }

    private static void HitCrashPoints(string point, ReceivedMessage[] messages)
    {
        foreach (var message in messages)
        {
            CrashPoints.Hit(point, message.Type);
        }
    }

    private async Task DeadLetterAsync(ConsumeResult<string?, string?> result, Exception error, int attempts, CancellationToken stopping)
    {
        var message = DeadLetter.Create(result, error, attempts);
        await _deadLetters.Value.ProduceTracedAsync(_options.EffectiveDeadLetterTopic, message, stopping);
        DeadLettered.Add(1, new KeyValuePair<string, object?>("group", _options.GroupId));
        LogDeadLettered(error, _options.GroupId, result.TopicPartitionOffset.ToString(), attempts, _options.EffectiveDeadLetterTopic);
    }

    /// <summary>One assigned partition: its messages handled strictly in order, its offsets stored as they finish.</summary>
    private sealed class PartitionWorker
    {
        private readonly Channel<(IConsumer<string?, string?> Consumer, ConsumeResult<string?, string?> Result)> _queue;

        private readonly Task _loop;
        private readonly int _capacity;

        public PartitionWorker(KafkaConsumerHost<THandler> host, CancellationToken stopping)
        {
            var maxBatch = host._maxBatch;
            // Room for the next batches to gather while one is handled.
            _capacity = Math.Max(256, 4 * maxBatch);
            _queue = Channel.CreateBounded<(IConsumer<string?, string?>, ConsumeResult<string?, string?>)>(_capacity);
            _loop = Task.Run(async () =>
            {
                var batch = new List<ConsumeResult<string?, string?>>(maxBatch);
                try
                {
                    while (await _queue.Reader.WaitToReadAsync(stopping))
                    {
                        batch.Clear();
                        IConsumer<string?, string?>? consumer = null;
                        while (batch.Count < maxBatch && _queue.Reader.TryRead(out var item))
                        {
                            (consumer, var result) = item;
                            batch.Add(result);
                        }

                        await host.HandleAsync(batch, stopping);
                        // The last offset covers the batch: a crash before this redelivers all of it, never part.
                        consumer!.StoreOffset(batch[^1]);
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    // Shutting down: the unfinished message is not stored, so it is redelivered.
                }
                catch (Exception ex)
                {
                    Fault = ex;
                }
            }, CancellationToken.None);
        }

        public Exception? Fault { get; private set; }

        // Messages fetched before the partition was paused; bounded by what the client had prefetched.
        private readonly Queue<ConsumeResult<string?, string?>> _overflow = new();

        /// <summary>Queues the message; false when the queue is full and the caller should pause the partition.</summary>
        public bool Offer(IConsumer<string?, string?> consumer, ConsumeResult<string?, string?> result)
        {
            if (_overflow.Count == 0 && _queue.Writer.TryWrite((consumer, result)))
            {
                return true;
            }

            _overflow.Enqueue(result);
            return false;
        }

        /// <summary>
        /// Moves held messages into the queue as room appears; true once none are left and the queue is at most half
        /// full. The margin matters: librdkafka drops what it prefetched for a paused partition and fetches it again on
        /// resume, so resuming at the first free slot would pause, drop and refetch over and over during a backlog.
        /// </summary>
        public bool TryDrainOverflow(IConsumer<string?, string?> consumer)
        {
            while (_overflow.TryPeek(out var result) && _queue.Writer.TryWrite((consumer, result)))
            {
                _overflow.Dequeue();
            }

            return _overflow.Count == 0 && _queue.Reader.Count <= _capacity / 2;
        }

        public void Complete()
        {
            _queue.Writer.TryComplete();
            _loop.GetAwaiter().GetResult();
        }
    }

    [LoggerMessage(LogLevel.Information, "Consumer group {Group} reading {Topics}")]
    private partial void LogStarted(string group, string topics);

    [LoggerMessage(LogLevel.Warning, "Consumer group {Group}: attempt {Attempt} for {Position} failed; retrying")]
    private partial void LogRetrying(Exception error, string group, string position, int attempt);

    [LoggerMessage(LogLevel.Warning, "Consumer group {Group}: a batch of {Count} from {Position} failed; handling its messages one at a time")]
    private partial void LogBatchFailed(Exception error, string group, string position, int count);

    [LoggerMessage(LogLevel.Error, "Consumer group {Group}: {Position} failed {Attempts} times; sent to {DeadLetterTopic}")]
    private partial void LogDeadLettered(Exception error, string group, string position, int attempts, string deadLetterTopic);

    [LoggerMessage(LogLevel.Warning, "Consumer group {Group}: a subscribed topic does not exist (declare it in the AppHost's Kafka:Topics)")]
    private partial void LogTopicMissing(Exception error, string group);

    [LoggerMessage(LogLevel.Warning, "Consumer group {Group}: commit failed")]
    private partial void LogCommitFailed(Exception error, string group);
}

/// <summary>The options of one handler's consumer group, registered by <see cref="MessagingExtensions"/>.</summary>
internal sealed record ConsumerRegistration<THandler>(ConsumerOptions Options, bool Batches = false)
    where THandler : class, IMessageDispatcher;
