namespace AspireShop.BuildingBlocks.Messaging;

/// <summary>
/// Handles one integration event type from a publisher's outbox, already deserialised. A projection is idempotent by
/// the event's version; a handler with side effects records <see cref="ReceivedMessage.MessageId"/> in the inbox in the
/// transaction that applies them. Register with <c>AddEventHandler</c>.
/// </summary>
public interface IEventHandler<in TEvent>
    where TEvent : class
{
    Task HandleAsync(TEvent payload, ReceivedMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// Handles Debezium change events of table rows (insert, update, delete, snapshot read), already parsed; tombstones,
/// truncates and messages never reach it. Same idempotency rule as <see cref="IEventHandler{TEvent}"/>; the change's
/// <see cref="ChangeEvent.Version"/> orders it. Register with <c>AddChangeHandler</c>.
/// </summary>
public interface IChangeHandler
{
    Task HandleAsync(ChangeEvent change, ReceivedMessage message, CancellationToken cancellationToken);
}

/// <summary>A payload with the message it came in.</summary>
public readonly record struct Received<T>(T Payload, ReceivedMessage Message);

/// <summary>
/// An <see cref="IEventHandler{TEvent}"/> that takes a partition's backlog at once (in partition order) so it can apply
/// it in one transaction: a bulk load costs a round trip per batch instead of per event. A batch that fails is handed
/// over again one event at a time, so retries and dead letters stay per event. Registered like any event handler.
/// </summary>
public interface IEventBatchHandler<TEvent> : IEventHandler<TEvent>
    where TEvent : class
{
    Task HandleBatchAsync(IReadOnlyList<Received<TEvent>> events, CancellationToken cancellationToken);

    Task IEventHandler<TEvent>.HandleAsync(TEvent payload, ReceivedMessage message, CancellationToken cancellationToken) =>
        HandleBatchAsync([new Received<TEvent>(payload, message)], cancellationToken);
}

/// <summary>The batch form of <see cref="IChangeHandler"/>, with the same rules as <see cref="IEventBatchHandler{TEvent}"/>.</summary>
public interface IChangeBatchHandler : IChangeHandler
{
    Task HandleBatchAsync(IReadOnlyList<Received<ChangeEvent>> changes, CancellationToken cancellationToken);

    Task IChangeHandler.HandleAsync(ChangeEvent change, ReceivedMessage message, CancellationToken cancellationToken) =>
        HandleBatchAsync([new Received<ChangeEvent>(change, message)], cancellationToken);
}

/// <summary>A message no retry can fix (no payload, not the contract's shape): dead-lettered at once.</summary>
public sealed class PoisonMessageException(string message, Exception? innerException = null) : Exception(message, innerException);
