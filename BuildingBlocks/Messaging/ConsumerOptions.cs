namespace AspireShop.BuildingBlocks.Messaging;

/// <summary>How one consumer group reads, retries and gives up ("good citizen" workers: backoff, jitter, bulkhead).</summary>
public sealed class ConsumerOptions
{
    public required string GroupId { get; init; }

    public required IReadOnlyList<string> Topics { get; init; }

    /// <summary>Attempts per message before it goes to the dead-letter topic.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Messages handled at once across all partitions (the bulkhead); one partition is always handled in order.</summary>
    public int MaxConcurrency { get; set; } = 4;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Defaults to <c>dlq.&lt;group&gt;</c>: dead letters belong to the group that failed them, not to the topic.</summary>
    public string? DeadLetterTopic { get; set; }

    public string EffectiveDeadLetterTopic => DeadLetterTopic ?? $"dlq.{GroupId}";

    /// <summary>Exponential backoff with full jitter: retries of many consumers spread out instead of arriving together.</summary>
    public TimeSpan BackoffBefore(int nextAttempt)
    {
        var ceiling = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, nextAttempt - 2));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
