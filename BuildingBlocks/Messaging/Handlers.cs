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

/// <summary>A message no retry can fix (no payload, not the contract's shape): dead-lettered at once.</summary>
public sealed class PoisonMessageException(string message, Exception? innerException = null) : Exception(message, innerException);
