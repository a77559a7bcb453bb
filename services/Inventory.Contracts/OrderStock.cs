using System.Text.Json.Serialization;

namespace AspireShop.Inventory.Contracts;

/// <summary>
/// Commands Inventory accepts for an order (the OrderSaga sends them through its outbox), idempotent by
/// <see cref="OrderId"/>: a re-sent command gets the outcome recorded the first time. Aggregate id = order id (the Kafka
/// key), so one order's commands stay ordered. Always written as the base type, so the <c>command</c> discriminator is
/// in the JSON.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "command")]
[JsonDerivedType(typeof(ReserveOrderStock), "reserve")]
[JsonDerivedType(typeof(CommitOrderStock), "commit")]
[JsonDerivedType(typeof(ReleaseOrderStock), "release")]
public abstract record OrderStockCommand(Guid OrderId)
{
    public const string AggregateType = "inventory-command";
    public const string Topic = "outbox.event." + AggregateType;
}

/// <summary>
/// Step 1 of the saga: the order takes over the buyer's cart holds (a semantic lock the sweeper cannot release while
/// the order lives); a line whose hold expired or is gone is reserved again if stock allows. All lines or none.
/// Replies <see cref="OrderStockReserved"/> or <see cref="OrderStockRejected"/>. At least one line, each with a positive
/// quantity: anything else is dead-lettered unread.
/// </summary>
public sealed record ReserveOrderStock(Guid OrderId, Guid BuyerId, IReadOnlyList<OrderStockLine> Lines) : OrderStockCommand(OrderId);

/// <summary>
/// One order line; <see cref="ReservationId"/> is the cart's hold for it, if it had one. The hold is taken over only if it
/// is the buyer's, for this offer, still active (past its TTL but not yet swept counts), at least this quantity (a
/// surplus goes back on sale) and not a hold of an open flash sale; otherwise the line is reserved from stock anew.
/// </summary>
public sealed record OrderStockLine(Guid SkuId, Guid SellerId, int Quantity, Guid? ReservationId);

/// <summary>
/// Step 3: the order's reservations become a sale. Retriable; never fails for lack of stock. Replies
/// <see cref="OrderStockCommitted"/> (or, for an order rejected or released before, that outcome again); a commit of an
/// order Inventory never saw reserved is dead-lettered.
/// </summary>
public sealed record CommitOrderStock(Guid OrderId) : OrderStockCommand(OrderId);

/// <summary>
/// Compensation: whatever the order holds goes back on sale (reserved units released, sold units restocked), and a
/// reserve for this order arriving later reserves nothing (it is answered <see cref="OrderStockRejected.Released"/>).
/// Always replies <see cref="OrderStockReleased"/>.
/// </summary>
public sealed record ReleaseOrderStock(Guid OrderId) : OrderStockCommand(OrderId);

/// <summary>
/// Inventory's replies to <see cref="OrderStockCommand"/>s, keyed by order id. Written as the base type. Every command
/// sent gets one (a re-sent command gets the recorded outcome again), so the saga must accept duplicates; a Kafka
/// redelivery of a command already handled gets none, its reply having been written with it.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "outcome")]
[JsonDerivedType(typeof(OrderStockReserved), "reserved")]
[JsonDerivedType(typeof(OrderStockRejected), "rejected")]
[JsonDerivedType(typeof(OrderStockCommitted), "committed")]
[JsonDerivedType(typeof(OrderStockReleased), "released")]
public abstract record OrderStockEvent(Guid OrderId)
{
    public const string AggregateType = "order-stock";
    public const string Topic = "outbox.event." + AggregateType;
}

public sealed record OrderStockReserved(Guid OrderId) : OrderStockEvent(OrderId);

/// <summary>Nothing was reserved. <see cref="Reason"/>: <c>out_of_stock</c> (or <c>released</c>: the order was compensated first).</summary>
public sealed record OrderStockRejected(Guid OrderId, string Reason) : OrderStockEvent(OrderId)
{
    public const string OutOfStock = "out_of_stock";
    public const string Released = "released";
}

public sealed record OrderStockCommitted(Guid OrderId) : OrderStockEvent(OrderId);

public sealed record OrderStockReleased(Guid OrderId) : OrderStockEvent(OrderId);
