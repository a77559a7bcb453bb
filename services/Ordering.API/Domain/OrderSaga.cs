using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Inventory.Contracts;
using AspireShop.Ordering.Contracts;
using AspireShop.Payment.Contracts;

namespace AspireShop.Ordering.API.Domain;

/// <summary>Where an order's saga is; <see cref="Confirmed"/> and <see cref="Failed"/> are at rest.</summary>
public enum SagaStep
{
    /// <summary>1. Inventory turns the cart's holds into the order's reservation.</summary>
    Reserving,

    /// <summary>2. The pivot: Payment authorises and captures.</summary>
    Charging,

    /// <summary>3. The reservation becomes a sale (retriable, never fails for lack of stock).</summary>
    Committing,

    /// <summary>4. Sold and paid; a cancel before shipping still compensates.</summary>
    Confirmed,

    /// <summary>Undoing: stock released (or restocked) and, if a charge was asked for, refunded.</summary>
    Compensating,

    Failed,
}

/// <summary>
/// The OrderSaga: an orchestrated, asynchronous saga over Inventory and Payment, as one table of states and transitions.
/// Each method changes the order and returns the messages to write to the outbox in the same transaction. Replies that
/// do not fit the current step (late, duplicated, re-sent) change nothing, so every participant can be asked again.
/// </summary>
/// <remarks>
/// <code>
///  PENDING ────────────────────────────────────────────────────────────────▶ CONFIRMED
///  Reserving ──reserved──▶ Charging ──succeeded──▶ Committing ──committed──▶ Confirmed
///     │ rejected            │ failed                   │ cancel                  │ cancel
///     ▼                     ▼                          ▼                         ▼
///  Failed ◀──released + settled── Compensating (release stock; refund if a charge was asked for)
///  (out_of_stock)                 (reason: payment's, or cancelled)               FAILED
/// </code>
/// Every step has a deadline: past it, the step's command is sent again (participants are idempotent by order id),
/// so a lost message or an emptied broker cannot strand an order.
/// </remarks>
public static class OrderSaga
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    /// <summary>How long each step may take before its command is sent again (doubling per attempt, capped).</summary>
    /// <remarks>
    /// Long against a hop's normal second: a re-send only helps when a message was lost, and under a backlog (measured:
    /// 10 s deadlines re-sent every order of a saturated run) it doubles the work of the very queue that is late.
    /// </remarks>
    public static TimeSpan Timeout(SagaStep step) => step switch
    {
        // The provider may be slow, and Payment retries an unknown outcome itself before the saga asks again.
        SagaStep.Charging => TimeSpan.FromSeconds(60),
        _ => TimeSpan.FromSeconds(30),
    };

    public static bool IsAtRest(SagaStep step) => step is SagaStep.Confirmed or SagaStep.Failed;

    public static IReadOnlyList<OutboxEvent> Start(Order order, DateTimeOffset now)
    {
        order.Status = OrderStatus.Pending;
        Enter(order, SagaStep.Reserving, now);
        Record(order, "placed", $"{order.Lines.Count} line(s), {order.Total} {order.Currency}", now);
        return [Reserve(order)];
    }

    public static IReadOnlyList<OutboxEvent> Handle(Order order, OrderStockEvent reply, DateTimeOffset now)
    {
        switch (reply, order.Step)
        {
            case (OrderStockReserved, SagaStep.Reserving):
                Record(order, "stock_reserved", null, now);
                Enter(order, SagaStep.Charging, now);
                order.ChargeRequested = true;
                return [Charge(order)];

            case (OrderStockRejected rejected, SagaStep.Reserving):
                Record(order, "stock_rejected", rejected.Reason, now);
                order.StockReleased = order.PaymentSettled = true;
                return Fail(order, FailureReasons.OutOfStock, now);

            case (OrderStockCommitted, SagaStep.Committing):
                Record(order, "stock_committed", null, now);
                return Confirm(order, now);

            // Rejected during a compensation: nothing was reserved, so nothing is left to release.
            case (OrderStockReleased or OrderStockRejected, SagaStep.Compensating) when !order.StockReleased:
                Record(order, "stock_released", null, now);
                order.StockReleased = true;
                return TryFinish(order, now);

            default:
                return [];
        }
    }

    public static IReadOnlyList<OutboxEvent> Handle(Order order, PaymentEvent reply, DateTimeOffset now)
    {
        switch (reply, order.Step)
        {
            // Never sell for another amount than the order's: whatever was captured is refunded.
            case (PaymentSucceeded succeeded, SagaStep.Charging) when succeeded.Amount != order.Total || succeeded.Currency != order.Currency:
                Record(order, "payment_mismatch", $"{succeeded.Amount} {succeeded.Currency} captured", now);
                return Compensate(order, FailureReasons.PaymentMismatch, now);

            case (PaymentSucceeded succeeded, SagaStep.Charging):
                Record(order, "payment_succeeded", $"{succeeded.Amount} {succeeded.Currency}", now);
                Enter(order, SagaStep.Committing, now);
                return [Commit(order)];

            case (PaymentFailed failed, SagaStep.Charging):
                Record(order, "payment_failed", failed.Reason, now);
                order.PaymentSettled = true;
                return Compensate(order, failed.Reason, now);

            // A seller's refund of its cancelled part is not the saga's compensation: it must not settle it.
            case (PaymentRefunded refunded, _) when IsSellerRefund(refunded):
                return [];

            // Nothing captured, or whatever was captured is refunded: the money side is settled.
            case (PaymentRefunded refunded, SagaStep.Compensating) when !order.PaymentSettled:
                Record(order, "payment_refunded", $"{refunded.Amount} {refunded.Currency}", now);
                order.PaymentSettled = true;
                return TryFinish(order, now);

            case (PaymentFailed failed, SagaStep.Compensating) when !order.PaymentSettled:
                Record(order, "payment_failed", failed.Reason, now);
                order.PaymentSettled = true;
                return TryFinish(order, now);

            // A success that races a cancel is left to the refund already asked for.
            default:
                return [];
        }
    }

    /// <summary>
    /// The buyer's cancel: allowed until the order is at rest as FAILED or a part of it shipped. Once every seller
    /// cancelled its part, each part was already refunded and restocked, so there is nothing left to compensate.
    /// </summary>
    public static CancelOutcome Cancel(Order order, DateTimeOffset now, out IReadOnlyList<OutboxEvent> messages)
    {
        messages = [];
        if (order.Step == SagaStep.Failed)
        {
            return CancelOutcome.AlreadyFailed;
        }

        if (order.Step == SagaStep.Compensating)
        {
            return CancelOutcome.Accepted;
        }

        if (OrderFulfillment.HasShipped(order))
        {
            return CancelOutcome.AlreadyShipped;
        }

        if (order.Step == SagaStep.Confirmed && OrderFulfillment.EveryPartCancelled(order))
        {
            return CancelOutcome.NothingLeft;
        }

        order.CancelRequested = true;
        Record(order, "cancel_requested", null, now);
        messages = Compensate(order, FailureReasons.Cancelled, now);
        return CancelOutcome.Accepted;
    }

    /// <summary>
    /// The step's deadline passed: ask again (participants answer a repeated command with its recorded outcome), or,
    /// after <paramref name="maxResends"/> unanswered re-sends, park the order as needs-attention and stop asking.
    /// </summary>
    public static IReadOnlyList<OutboxEvent> Resend(Order order, DateTimeOffset now, int maxResends = int.MaxValue)
    {
        if (!IsAtRest(order.Step) && order.StepAttempts >= maxResends)
        {
            order.DeadlineAt = null;
            order.NeedsAttentionAt = now;
            order.UpdatedAt = now;
            Record(order, "needs_attention", $"{order.Step} unanswered after {order.StepAttempts} re-sends", now);
            return [];
        }

        List<OutboxEvent> messages = order.Step switch
        {
            SagaStep.Reserving => [Reserve(order)],
            SagaStep.Charging => [Charge(order)],
            SagaStep.Committing => [Commit(order)],
            SagaStep.Compensating => CompensationCommands(order),
            _ => [],
        };

        if (messages.Count > 0)
        {
            order.StepAttempts++;
            var backoff = Timeout(order.Step) * Math.Pow(2, Math.Min(order.StepAttempts, 6));
            // Jitter spreads the re-sends of orders that stalled together (an emptied broker) instead of bunching them.
            order.DeadlineAt = now + TimeSpan.FromTicks((long)(Math.Min(backoff.Ticks, MaxBackoff.Ticks) * (0.8 + (Random.Shared.NextDouble() * 0.4))));
            order.UpdatedAt = now;
            Record(order, "resent", $"{order.Step}, re-send {order.StepAttempts}", now);
        }

        return messages;
    }

    private static List<OutboxEvent> Compensate(Order order, string reason, DateTimeOffset now)
    {
        order.FailureReason = reason;
        order.StockReleased = false;
        // Without a charge request nothing can have been captured; with one, only Payment knows, so it is asked.
        order.PaymentSettled = order.PaymentSettled || !order.ChargeRequested;
        Enter(order, SagaStep.Compensating, now);
        return CompensationCommands(order);
    }

    private static List<OutboxEvent> CompensationCommands(Order order)
    {
        var commands = new List<OutboxEvent>();
        if (!order.StockReleased)
        {
            commands.Add(Send<OrderStockCommand>(new ReleaseOrderStock(order.Id), OrderStockCommand.AggregateType, order.Id));
        }

        if (!order.PaymentSettled)
        {
            commands.Add(Send<PaymentCommand>(new RefundPayment(order.Id, order.FailureReason ?? FailureReasons.Cancelled), PaymentCommand.AggregateType, order.Id));
        }

        return commands;
    }

    /// <summary>
    /// Payment answers a seller's cancelled part with <see cref="PaymentRefunded"/> under
    /// <c>ShipmentCancelled.RefundReason</c> (<c>seller:&lt;id&gt;</c>); the saga's own refunds use its failure reasons.
    /// </summary>
    public static bool IsSellerRefund(PaymentRefunded refunded) =>
        refunded.Reason.StartsWith(PaymentRefunded.SellerReasonPrefix, StringComparison.Ordinal);

    private static IReadOnlyList<OutboxEvent> TryFinish(Order order, DateTimeOffset now) =>
        order.StockReleased && order.PaymentSettled ? Fail(order, order.FailureReason ?? FailureReasons.Cancelled, now) : [];

    private static IReadOnlyList<OutboxEvent> Confirm(Order order, DateTimeOffset now)
    {
        order.Status = OrderStatus.Confirmed;
        Enter(order, SagaStep.Confirmed, now);
        Record(order, "confirmed", null, now);
        var lines = order.Lines.Select(l => new Contracts.OrderLine(l.SkuId, l.SellerId, l.ProductId, l.ProductTitle, l.Quantity, l.UnitPrice, l.ReservationId)).ToList();
        var address = order.ShippingAddress;
        var shipTo = new ShipTo(address.Name, address.Line1, address.Line2, address.City, address.PostalCode, address.Country);
        return [Send<OrderEvent>(new OrderConfirmed(order.Id, order.BuyerId, lines, order.Total, order.Currency, now, shipTo), OrderEvent.AggregateType, order.Id)];
    }

    private static IReadOnlyList<OutboxEvent> Fail(Order order, string reason, DateTimeOffset now)
    {
        order.Status = OrderStatus.Failed;
        order.FailureReason = reason;
        Enter(order, SagaStep.Failed, now);
        Record(order, "failed", reason, now);
        return [Send<OrderEvent>(new OrderFailed(order.Id, order.BuyerId, reason, now), OrderEvent.AggregateType, order.Id)];
    }

    private static void Enter(Order order, SagaStep step, DateTimeOffset now)
    {
        order.Step = step;
        order.StepAttempts = 0;
        order.DeadlineAt = IsAtRest(step) ? null : now + Timeout(step);
        order.NeedsAttentionAt = null;
        order.UpdatedAt = now;
    }

    /// <summary>An admin's retry of a parked order: its step is due now, with a fresh count of re-sends.</summary>
    public static void Retry(Order order, DateTimeOffset now)
    {
        if (order.NeedsAttentionAt is null || IsAtRest(order.Step))
        {
            return;
        }

        order.NeedsAttentionAt = null;
        order.StepAttempts = 0;
        order.DeadlineAt = now;
        order.UpdatedAt = now;
        Record(order, "retried", order.Step.ToString(), now);
    }

    private static void Record(Order order, string step, string? detail, DateTimeOffset now) =>
        order.Timeline.Add(new OrderTimelineEntry { OrderId = order.Id, Step = step, Detail = detail, At = now });

    private static OutboxEvent Reserve(Order order) => Send<OrderStockCommand>(
        new ReserveOrderStock(order.Id, order.BuyerId, [.. order.Lines.Select(l => new OrderStockLine(l.SkuId, l.SellerId, l.Quantity, l.ReservationId))]),
        OrderStockCommand.AggregateType,
        order.Id);

    private static OutboxEvent Charge(Order order) => Send<PaymentCommand>(
        new ChargePayment(order.Id, order.BuyerId, order.Total, order.Currency, order.PaymentMethod), PaymentCommand.AggregateType, order.Id);

    private static OutboxEvent Commit(Order order) => Send<OrderStockCommand>(new CommitOrderStock(order.Id), OrderStockCommand.AggregateType, order.Id);

    // Written as the contract's base type so the discriminator travels; keyed by order so one order's messages stay ordered.
    private static OutboxEvent Send<TBase>(TBase message, string aggregateType, Guid orderId)
        where TBase : notnull =>
        OutboxEvent.Create(aggregateType, orderId.ToString(), message, message.GetType().Name);
}

public enum CancelOutcome
{
    Accepted,
    AlreadyFailed,

    /// <summary>A part is with a carrier: the goods cannot be un-sent, so the order is not compensated.</summary>
    AlreadyShipped,

    /// <summary>Every seller cancelled its part: all of it was refunded and restocked already.</summary>
    NothingLeft,
}
