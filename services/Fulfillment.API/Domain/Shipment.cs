using AspireShop.Fulfillment.Contracts;

namespace AspireShop.Fulfillment.API.Domain;

/// <summary>
/// One seller's part of a confirmed order (one per (order, seller)), owned by that seller: <see cref="SellerId"/> leads
/// its key. Moves only forward: CREATED → PACKED → SHIPPED → DELIVERED, or CANCELLED before it ships. Repeating the
/// move that led to the current state changes nothing; any other move from it is refused.
/// </summary>
public sealed class Shipment
{
    public Guid SellerId { get; set; }

    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public Guid BuyerId { get; set; }

    public string Status { get; set; } = ShipmentStatus.Created;

    public required string Currency { get; set; }

    /// <summary>Null until Ordering publishes the order's address with <c>OrderConfirmed</c>.</summary>
    public ShippingAddress? ShippingAddress { get; set; }

    public string? Carrier { get; set; }

    public string? TrackingNumber { get; set; }

    public string? CancelReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? PackedAt { get; set; }

    public DateTimeOffset? ShippedAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Postgres' xmin: two concurrent moves of one shipment cannot both win.</summary>
    public uint Version { get; set; }

    public List<ShipmentLine> Lines { get; set; } = [];

    public decimal Amount => Lines.Sum(l => l.Amount);

    public Transition Pack(DateTimeOffset now)
    {
        if (Status == ShipmentStatus.Packed)
        {
            return Transition.AlreadyDone;
        }

        if (Status != ShipmentStatus.Created)
        {
            return Transition.Refused($"A {Status.ToLowerInvariant()} shipment cannot be packed.");
        }

        Status = ShipmentStatus.Packed;
        PackedAt = UpdatedAt = now;
        return Transition.Moved([]);
    }

    /// <summary>From CREATED too: a seller who hands a parcel straight to the carrier packed it on the way.</summary>
    public Transition Ship(string carrier, string trackingNumber, DateTimeOffset now)
    {
        if (Status == ShipmentStatus.Shipped)
        {
            return carrier == Carrier && trackingNumber == TrackingNumber
                ? Transition.AlreadyDone
                : Transition.Refused($"The shipment was already shipped with {Carrier} {TrackingNumber}.");
        }

        if (Status is not (ShipmentStatus.Created or ShipmentStatus.Packed))
        {
            return Transition.Refused($"A {Status.ToLowerInvariant()} shipment cannot be shipped.");
        }

        Status = ShipmentStatus.Shipped;
        Carrier = carrier;
        TrackingNumber = trackingNumber;
        PackedAt ??= now;
        ShippedAt = UpdatedAt = now;
        return Transition.Moved([new ShipmentShipped(OrderId, Id, SellerId, BuyerId, carrier, trackingNumber, now)]);
    }

    public Transition Deliver(DateTimeOffset now)
    {
        if (Status == ShipmentStatus.Delivered)
        {
            return Transition.AlreadyDone;
        }

        if (Status != ShipmentStatus.Shipped)
        {
            return Transition.Refused($"A {Status.ToLowerInvariant()} shipment cannot be delivered; only a shipped one.");
        }

        Status = ShipmentStatus.Delivered;
        DeliveredAt = UpdatedAt = now;
        return Transition.Moved([new ShipmentDelivered(OrderId, Id, SellerId, BuyerId, now)]);
    }

    /// <summary>
    /// Only before it ships: what left the warehouse is the buyer's to return, not the seller's to cancel. With
    /// <paramref name="orderCancelled"/> the whole order was cancelled, and the event says the saga already refunds and
    /// restocks it.
    /// </summary>
    public Transition Cancel(string reason, DateTimeOffset now, bool orderCancelled = false)
    {
        if (Status == ShipmentStatus.Cancelled)
        {
            return Transition.AlreadyDone;
        }

        if (Status is not (ShipmentStatus.Created or ShipmentStatus.Packed))
        {
            return Transition.Refused($"A {Status.ToLowerInvariant()} shipment can no longer be cancelled.");
        }

        Status = ShipmentStatus.Cancelled;
        CancelReason = reason;
        CancelledAt = UpdatedAt = now;
        return Transition.Moved([new ShipmentCancelled(OrderId, Id, SellerId, BuyerId, ContractLines(), Amount, Currency, reason, now, orderCancelled)]);
    }

    public ShipmentCreated Created() => new(OrderId, Id, SellerId, BuyerId, ContractLines(), Amount, Currency, CreatedAt);

    private List<Contracts.ShipmentLine> ContractLines() =>
        [.. Lines.OrderBy(l => l.LineNumber).Select(l => new Contracts.ShipmentLine(l.SkuId, l.ProductId, l.ProductTitle, l.Quantity, l.UnitPrice, l.Amount))];
}

/// <summary>One order line of the seller's, as it was sold.</summary>
public sealed class ShipmentLine
{
    public Guid SellerId { get; set; }

    public Guid ShipmentId { get; set; }

    public int LineNumber { get; set; }

    /// <summary>The shipment's buyer again, so the row carries who may read it (row-level security needs no join).</summary>
    public Guid BuyerId { get; set; }

    public Guid SkuId { get; set; }

    public Guid ProductId { get; set; }

    public required string ProductTitle { get; set; }

    public int Quantity { get; set; }

    public decimal UnitPrice { get; set; }

    public decimal Amount => UnitPrice * Quantity;
}

public sealed class ShippingAddress
{
    public required string Name { get; set; }

    public required string Line1 { get; set; }

    public string? Line2 { get; set; }

    public required string City { get; set; }

    public required string PostalCode { get; set; }

    public required string Country { get; set; }
}

public static class ShipmentStatus
{
    public const string Created = "CREATED";
    public const string Packed = "PACKED";
    public const string Shipped = "SHIPPED";
    public const string Delivered = "DELIVERED";
    public const string Cancelled = "CANCELLED";

    public static readonly IReadOnlyList<string> All = [Created, Packed, Shipped, Delivered, Cancelled];
}

/// <summary>What a move did: changed the shipment (and what to publish), found it already there, or was refused.</summary>
public sealed record Transition(TransitionOutcome Outcome, IReadOnlyList<ShipmentEvent> Events, string? Refusal)
{
    public static readonly Transition AlreadyDone = new(TransitionOutcome.AlreadyDone, [], null);

    public static Transition Moved(IReadOnlyList<ShipmentEvent> events) => new(TransitionOutcome.Moved, events, null);

    public static Transition Refused(string why) => new(TransitionOutcome.Refused, [], why);
}

public enum TransitionOutcome
{
    Moved,
    AlreadyDone,
    Refused,
}
