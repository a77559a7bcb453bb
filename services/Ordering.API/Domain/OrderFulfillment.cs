using AspireShop.Fulfillment.Contracts;

namespace AspireShop.Ordering.API.Domain;

/// <summary>Where one seller's part of an order is, as Fulfillment reported it.</summary>
public static class PartStatus
{
    /// <summary>Not shipped yet (created, maybe packed): the buyer may still cancel the order.</summary>
    public const string Pending = "PENDING";
    public const string Shipped = "SHIPPED";
    public const string Delivered = "DELIVERED";
    public const string Cancelled = "CANCELLED";

    /// <summary>Parts only move forward, as Fulfillment moves them: a late or replayed event never takes a part back.</summary>
    public static bool CanMove(string from, string to) =>
        (from, to) is (Pending, Shipped or Delivered or Cancelled) or (Shipped, Delivered);
}

/// <summary>The order's fulfillment as a whole, derived from its parts (one per seller).</summary>
public static class FulfillmentStatus
{
    public const string AwaitingShipment = "AWAITING_SHIPMENT";
    public const string PartiallyShipped = "PARTIALLY_SHIPPED";
    public const string Shipped = "SHIPPED";
    public const string Delivered = "DELIVERED";

    /// <summary>At least one seller cancelled its part (refunded and restocked), the others go on.</summary>
    public const string PartiallyFulfilled = "PARTIALLY_FULFILLED";

    /// <summary>Every part was cancelled: everything refunded and restocked part by part; the order stays CONFIRMED.</summary>
    public const string Cancelled = "CANCELLED";
}

/// <summary>One seller's shipment of the order, kept on the order's row (JSON) so a move of it and a cancel conflict.</summary>
public sealed class OrderShipment
{
    public Guid ShipmentId { get; set; }

    public Guid SellerId { get; set; }

    public string Status { get; set; } = PartStatus.Pending;

    public string? Carrier { get; set; }

    public string? TrackingNumber { get; set; }

    public string? CancelReason { get; set; }

    /// <summary>Cancelled because the buyer cancelled the whole order (the saga refunds it), not by its seller.</summary>
    public bool CancelledWithOrder { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// Fulfillment's shipment events applied to an order: each part's progress, idempotently and only forward. Not a saga
/// step: nothing is sent, and the order's status stays what the saga made it (a sold order stays CONFIRMED).
/// </summary>
public static class OrderFulfillment
{
    /// <summary>A part left with a carrier: from then on the buyer's cancel is refused.</summary>
    public static bool HasShipped(Order order) =>
        order.Shipments.Any(s => s.Status is PartStatus.Shipped or PartStatus.Delivered);

    /// <summary>Every seller of the order cancelled its part: there is nothing left to cancel or ship.</summary>
    public static bool EveryPartCancelled(Order order) =>
        order.Lines.Select(l => l.SellerId).Distinct().All(seller =>
            order.Shipments.Any(s => s.SellerId == seller && s.Status == PartStatus.Cancelled));

    /// <summary>Records the event on its part; false when it changes nothing (a duplicate, or a part already further on).</summary>
    public static bool Apply(Order order, ShipmentEvent shipment, DateTimeOffset now)
    {
        (string? status, string? detail) = shipment switch
        {
            ShipmentCreated => (PartStatus.Pending, null),
            ShipmentShipped shipped => (PartStatus.Shipped, $"{shipped.Carrier} {shipped.TrackingNumber}"),
            ShipmentDelivered => (PartStatus.Delivered, null),
            ShipmentCancelled cancelled => (PartStatus.Cancelled, cancelled.OrderCancelled ? "with the order" : $"by its seller: {cancelled.Reason}"),
            _ => (null, null),
        };
        if (status is null)
        {
            return false;
        }

        var part = order.Shipments.SingleOrDefault(s => s.ShipmentId == shipment.ShipmentId);
        if (part is null)
        {
            part = new OrderShipment { ShipmentId = shipment.ShipmentId, SellerId = shipment.SellerId, UpdatedAt = now };
            order.Shipments.Add(part);
        }
        else if (!PartStatus.CanMove(part.Status, status))
        {
            return false;
        }

        part.Status = status;
        part.UpdatedAt = now;
        switch (shipment)
        {
            case ShipmentShipped shipped:
                (part.Carrier, part.TrackingNumber) = (shipped.Carrier, shipped.TrackingNumber);
                break;
            case ShipmentCancelled cancelled:
                (part.CancelReason, part.CancelledWithOrder) = (cancelled.Reason, cancelled.OrderCancelled);
                break;
        }

        // The row changes with every part, so a cancel that read the order before this shipment retries and sees it.
        order.UpdatedAt = now;
        var step = status switch
        {
            PartStatus.Shipped when order.CancelRequested => "shipped_after_cancel",
            PartStatus.Shipped => "shipment_shipped",
            PartStatus.Delivered => "shipment_delivered",
            PartStatus.Cancelled => "shipment_cancelled",
            _ => "shipment_created",
        };
        var about = detail is null ? $"seller {shipment.SellerId}" : $"seller {shipment.SellerId}, {detail}";
        order.Timeline.Add(new OrderTimelineEntry { OrderId = order.Id, Step = step, Detail = about.Length <= 200 ? about : about[..200], At = now });
        return true;
    }
}
