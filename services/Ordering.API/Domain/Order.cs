namespace AspireShop.Ordering.API.Domain;

/// <summary>What buyers see of an order: it is taken (PENDING), then either sold (CONFIRMED) or not (FAILED).</summary>
public static class OrderStatus
{
    public const string Pending = "PENDING";
    public const string Confirmed = "CONFIRMED";
    public const string Failed = "FAILED";
}

/// <summary>Why an order ended FAILED.</summary>
public static class FailureReasons
{
    public const string OutOfStock = "out_of_stock";
    public const string Cancelled = "cancelled";

    /// <summary>The provider captured another amount or currency than the order's total (then refunded).</summary>
    public const string PaymentMismatch = "payment_mismatch";
}

/// <summary>
/// An order and its saga's state in one row (one per order): the <see cref="OrderSaga"/> moves it, each move committed
/// with the inbox record of the reply that caused it and the outbox command it sends. <see cref="Version"/> (xmin) makes
/// concurrent moves (a reply, a timer, a cancel) retry instead of overwriting each other.
/// </summary>
public sealed class Order
{
    public Guid Id { get; set; }

    public Guid BuyerId { get; set; }

    public string Status { get; set; } = OrderStatus.Pending;

    public string? FailureReason { get; set; }

    public required string Currency { get; set; }

    public decimal Total { get; set; }

    /// <summary>The provider's payment method token (a test card number in this shop); never a price or amount.</summary>
    public required string PaymentMethod { get; set; }

    public required ShippingAddress ShippingAddress { get; set; }

    public SagaStep Step { get; set; } = SagaStep.Reserving;

    /// <summary>Times the current step's command was sent again after its deadline.</summary>
    public int StepAttempts { get; set; }

    public DateTimeOffset? DeadlineAt { get; set; }

    /// <summary>
    /// Parked: the step went unanswered through every re-send, so the timer stopped asking. A late reply still moves
    /// the order on; an admin's retry re-arms the deadline. Never dropped: the order stays visible and in its state.
    /// </summary>
    public DateTimeOffset? NeedsAttentionAt { get; set; }

    public bool CancelRequested { get; set; }

    /// <summary>A charge was asked for, so a compensation must also ask for a refund.</summary>
    public bool ChargeRequested { get; set; }

    public bool StockReleased { get; set; }

    public bool PaymentSettled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }

    public List<OrderLine> Lines { get; set; } = [];

    public List<OrderTimelineEntry> Timeline { get; set; } = [];

    /// <summary>Its sellers' shipments as Fulfillment reported them (<see cref="OrderFulfillment"/>).</summary>
    public List<OrderShipment> Shipments { get; set; } = [];
}

public sealed class OrderLine
{
    public Guid OrderId { get; set; }

    public int LineNumber { get; set; }

    public Guid SkuId { get; set; }

    public Guid SellerId { get; set; }

    public Guid ProductId { get; set; }

    public required string ProductTitle { get; set; }

    public required string SkuCode { get; set; }

    public int Quantity { get; set; }

    /// <summary>Catalog's price when the order was placed, never the client's.</summary>
    public decimal UnitPrice { get; set; }

    /// <summary>The cart's hold the order takes over, if it had one.</summary>
    public Guid? ReservationId { get; set; }
}

public sealed class OrderTimelineEntry
{
    public long Id { get; set; }

    public Guid OrderId { get; set; }

    public required string Step { get; set; }

    public string? Detail { get; set; }

    public DateTimeOffset At { get; set; }
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
