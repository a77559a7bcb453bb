using System.Diagnostics.Metrics;
using System.Text.Json;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.ServiceDefaults.Messaging;

namespace AspireShop.BuildingBlocks.Messaging;

/// <summary>What the consumer host runs for one group: turns a raw Kafka message into what a typed handler takes.</summary>
internal interface IMessageDispatcher
{
    Task DispatchAsync(ReceivedMessage message, CancellationToken cancellationToken);

    /// <summary>Messages of one partition in order; only called when the handler takes batches.</summary>
    Task DispatchBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken);
}

internal sealed class EventDispatcher<TEvent, THandler>(THandler handler) : IMessageDispatcher
    where TEvent : class
    where THandler : class, IEventHandler<TEvent>
{
    // Strict on purpose: an event missing a field of the contract is poison, not a record of zeros.
    private static readonly JsonSerializerOptions Strict = new(OutboxEvent.SerializerOptions)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        // Polymorphic contracts (commands, replies) come through jsonb, which reorders keys: the discriminator may be anywhere.
        AllowOutOfOrderMetadataProperties = true,
    };

    public Task DispatchAsync(ReceivedMessage message, CancellationToken cancellationToken) =>
        handler.HandleAsync(Parse(message), message, cancellationToken);

    public Task DispatchBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken) =>
        handler is IEventBatchHandler<TEvent> batches
            ? batches.HandleBatchAsync([.. messages.Select(m => new Received<TEvent>(Parse(m), m))], cancellationToken)
            : throw new InvalidOperationException($"{typeof(THandler).Name} does not take batches.");

    private static TEvent Parse(ReceivedMessage message)
    {
        if (message.Value is null)
        {
            throw new PoisonMessageException($"{message.MessageId} has no payload; {typeof(TEvent).Name} expected.");
        }

        TEvent? @event;
        try
        {
            @event = JsonSerializer.Deserialize<TEvent>(message.Value, Strict);
        }
        // NotSupportedException: a polymorphic contract without (or with an unknown) discriminator.
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new PoisonMessageException($"{message.MessageId} is not a {typeof(TEvent).Name}: {ex.Message}", ex);
        }

        return @event ?? throw new PoisonMessageException($"{message.MessageId} has a null payload; {typeof(TEvent).Name} expected.");
    }
}

internal sealed class ChangeDispatcher<THandler>(THandler handler, ConsumerRegistration<ChangeDispatcher<THandler>> registration) : IMessageDispatcher
    where THandler : class, IChangeHandler
{
    private static readonly Meter Meter = new(KafkaTelemetry.MeterName);
    private static readonly Counter<long> Skipped = Meter.CreateCounter<long>("aspireshop.consumer.skipped", description: "Change events that carry no row");

    public async Task DispatchAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (Parse(message) is not { } change)
        {
            return;
        }

        try
        {
            await handler.HandleAsync(change, message, cancellationToken);
        }
        catch (JsonException ex)
        {
            // The row lacks a column the handler needs: the contract was broken, so retrying cannot help.
            throw new PoisonMessageException($"{message.MessageId}: {ex.Message}", ex);
        }
    }

    public async Task DispatchBatchAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken)
    {
        if (handler is not IChangeBatchHandler batches)
        {
            throw new InvalidOperationException($"{typeof(THandler).Name} does not take batches.");
        }

        var changes = new List<Received<ChangeEvent>>(messages.Count);
        foreach (var message in messages)
        {
            if (Parse(message) is { } change)
            {
                changes.Add(new Received<ChangeEvent>(change, message));
            }
        }

        if (changes.Count > 0)
        {
            // A JsonException here is not turned into poison: handled one at a time, only the broken message is.
            await batches.HandleBatchAsync(changes, cancellationToken);
        }
    }

    /// <summary>The change a message carries, or null for the ones no handler sees (counted as skipped).</summary>
    private ChangeEvent? Parse(ReceivedMessage message)
    {
        if (message.Value is null)
        {
            // The tombstone Debezium sends after a delete, for log compaction; the delete event itself carried the change.
            Skip("tombstone");
            return null;
        }

        ChangeEvent change;
        try
        {
            change = ChangeEvent.Parse(message.Value);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new PoisonMessageException($"{message.MessageId} is not a Debezium change event: {ex.Message}", ex);
        }

        if (!change.CarriesRow)
        {
            // Truncate and message events; after a truncate a rebuild is the way to resynchronise.
            Skip(change.Op);
            return null;
        }

        return change;
    }

    private void Skip(string reason) =>
        Skipped.Add(1, new KeyValuePair<string, object?>("group", registration.Options.GroupId), new KeyValuePair<string, object?>("reason", reason));
}
