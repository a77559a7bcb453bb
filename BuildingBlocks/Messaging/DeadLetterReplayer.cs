using AspireShop.ServiceDefaults.Messaging;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.BuildingBlocks.Messaging;

public sealed record ReplayResult(string Group, string DeadLetterTopic, int Replayed, int Failed, string? FirstError);

/// <summary>
/// Hands a group's dead letters back to its own handler (not to the original topic, whose other groups already
/// succeeded). Progress is committed under <c>&lt;group&gt;.replay</c>, so a letter is replayed once; one that fails
/// again stays where it is and stops the replay, to be looked at.
/// </summary>
public interface IDeadLetterReplayer
{
    string Group { get; }

    Task<ReplayResult> ReplayAsync(CancellationToken cancellationToken);
}

internal sealed class DeadLetterReplayer<THandler>(ConsumerRegistration<THandler> registration, KafkaClientFactory kafka, IServiceScopeFactory scopes)
    : IDeadLetterReplayer
    where THandler : class, IMessageDispatcher
{
    private readonly ConsumerOptions _options = registration.Options;

    public string Group => _options.GroupId;

    public Task<ReplayResult> ReplayAsync(CancellationToken cancellationToken) =>
        Task.Run(() => ReplayCore(cancellationToken), cancellationToken);

    private async Task<ReplayResult> ReplayCore(CancellationToken cancellationToken)
    {
        var topic = _options.EffectiveDeadLetterTopic;
        var partitions = Partitions(topic);
        if (partitions.Count == 0)
        {
            return new ReplayResult(Group, topic, 0, 0, null);
        }

        using var consumer = kafka.CreateConsumer<string?, string?>($"{Group}.replay", config => config.EnablePartitionEof = true);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Stored)));
        var atEnd = new HashSet<TopicPartition>();
        var replayed = 0;
        try
        {
            while (atEnd.Count < partitions.Count)
            {
                var result = consumer.Consume(TimeSpan.FromSeconds(5));
                if (result is null)
                {
                    break;
                }

                if (result.IsPartitionEOF)
                {
                    atEnd.Add(result.TopicPartition);
                    continue;
                }

                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<THandler>().DispatchAsync(DeadLetter.ToOriginal(result), cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return new ReplayResult(Group, topic, replayed, 1, $"{result.TopicPartitionOffset}: {ex.Message}");
                }

                consumer.StoreOffset(result);
                replayed++;
            }

            return new ReplayResult(Group, topic, replayed, 0, null);
        }
        finally
        {
            if (replayed > 0)
            {
                consumer.Commit();
            }

            consumer.Close();
        }
    }

    private List<TopicPartition> Partitions(string topic)
    {
        using var admin = kafka.CreateAdminClient();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.FirstOrDefault();
        return metadata is null || metadata.Error.IsError
            ? []
            : metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
    }
}
