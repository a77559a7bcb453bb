using AspireShop.BuildingBlocks.Workers;

namespace AspireShop.BuildingBlocks.Messaging;

/// <summary>
/// How one consumer group reads, retries and gives up ("good citizen" workers: backoff, jitter, bulkhead). Every
/// service configures its groups the same way: defaults from the registration, then
/// <c>Messaging:Consumers:&lt;default group id&gt;</c> (GroupId, Topics, MaxAttempts, MaxConcurrency, MaxBatchSize, backoffs, DeadLetterTopic).
/// </summary>
public sealed class ConsumerOptions
{
    public string GroupId { get; set; } = "";

    /// <summary>Set from the registration or the section's <c>Topics</c> array (not bound: binding appends to a list).</summary>
    public IReadOnlyList<string> Topics { get; internal set; } = [];

    /// <summary>Attempts per message before it goes to the dead-letter topic.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Messages handled at once across all partitions (the bulkhead); one partition is always handled in order.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// Most messages of one partition a batch handler gets at once. Batches form only from what is already waiting, so a
    /// single change is handled as soon as it arrives and a backlog in few transactions.
    /// </summary>
    public int MaxBatchSize { get; set; } = 256;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Defaults to <c>dlq.&lt;group&gt;</c>: dead letters belong to the group that failed them, not to the topic.</summary>
    public string? DeadLetterTopic { get; set; }

    public string EffectiveDeadLetterTopic => DeadLetterTopic ?? $"dlq.{GroupId}";

    /// <summary>Exponential backoff with full jitter: retries of many consumers spread out instead of arriving together.</summary>
    public TimeSpan BackoffBefore(int nextAttempt) => Backoff.FullJitter(InitialBackoff, MaxBackoff, nextAttempt);
}
