using System.Text.Json;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Inventory.Contracts;
using AspireShop.Ordering.API.Domain;
using AspireShop.Ordering.Contracts;
using AspireShop.Payment.Contracts;

namespace AspireShop.Ordering.Tests;

/// <summary>The OrderSaga's table of transitions: every step, every compensation, and replies that must change nothing.</summary>
public sealed class OrderSagaTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheHappyPathReservesChargesTheServerTotalCommitsAndConfirms()
    {
        var order = NewOrder();
        var reserve = Single<OrderStockCommand>(OrderSaga.Start(order, Now), OrderStockCommand.AggregateType);
        var lines = Assert.IsType<ReserveOrderStock>(reserve).Lines;
        Assert.Equal(order.Lines[0].ReservationId, Assert.Single(lines).ReservationId);
        Assert.Equal((SagaStep.Reserving, OrderStatus.Pending), (order.Step, order.Status));

        var charge = Assert.IsType<ChargePayment>(Single<PaymentCommand>(OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now), PaymentCommand.AggregateType));
        Assert.Equal((59.80m, "USD", "4242424242424242"), (charge.Amount, charge.Currency, charge.PaymentMethod));

        Assert.IsType<CommitOrderStock>(Single<OrderStockCommand>(
            OrderSaga.Handle(order, new PaymentSucceeded(order.Id, Guid.NewGuid(), 59.80m, "USD"), Now), OrderStockCommand.AggregateType));

        var confirmed = Assert.IsType<OrderConfirmed>(Single<OrderEvent>(OrderSaga.Handle(order, new OrderStockCommitted(order.Id), Now), OrderEvent.AggregateType));
        Assert.Equal(59.80m, confirmed.Total);
        Assert.Equal((SagaStep.Confirmed, OrderStatus.Confirmed, (DateTimeOffset?)null), (order.Step, order.Status, order.DeadlineAt));
        Assert.Equal(["placed", "stock_reserved", "payment_succeeded", "stock_committed", "confirmed"], order.Timeline.Select(t => t.Step));
    }

    [Fact]
    public void RepliesThatDoNotFitTheStepChangeNothing()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        Assert.Empty(OrderSaga.Handle(order, new PaymentSucceeded(order.Id, Guid.NewGuid(), 1m, "USD"), Now));
        Assert.Empty(OrderSaga.Handle(order, new OrderStockCommitted(order.Id), Now));
        OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now);

        // A re-sent reserve answered again: still charging, no second charge.
        Assert.Empty(OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now));
        Assert.Equal(SagaStep.Charging, order.Step);
    }

    [Fact]
    public void ACaptureOfAnotherAmountIsRefundedAndTheOrderFails()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now);

        var messages = OrderSaga.Handle(order, new PaymentSucceeded(order.Id, Guid.NewGuid(), 5.98m, "USD"), Now);

        Assert.IsType<ReleaseOrderStock>(Single<OrderStockCommand>(messages, OrderStockCommand.AggregateType));
        Assert.IsType<RefundPayment>(Single<PaymentCommand>(messages, PaymentCommand.AggregateType));
        OrderSaga.Handle(order, new OrderStockReleased(order.Id), Now);
        OrderSaga.Handle(order, new PaymentRefunded(order.Id, Guid.NewGuid(), 5.98m, "USD", "payment_mismatch"), Now);
        Assert.Equal((OrderStatus.Failed, "payment_mismatch"), (order.Status, order.FailureReason));
    }

    [Fact]
    public void OutOfStockFailsAtOnceWithNothingToUndo()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);

        var failed = Assert.IsType<OrderFailed>(Single<OrderEvent>(OrderSaga.Handle(order, new OrderStockRejected(order.Id, "out_of_stock"), Now), OrderEvent.AggregateType));

        Assert.Equal("out_of_stock", failed.Reason);
        Assert.Equal((SagaStep.Failed, OrderStatus.Failed), (order.Step, order.Status));
        Assert.Empty(OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now));
    }

    [Fact]
    public void ADeclinedPaymentReleasesTheStockAndFailsWithThePaymentsReason()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now);

        var messages = OrderSaga.Handle(order, new PaymentFailed(order.Id, Guid.NewGuid(), PaymentFailureReasons.Declined), Now);

        Assert.IsType<ReleaseOrderStock>(Single<OrderStockCommand>(messages, OrderStockCommand.AggregateType));
        Assert.Equal((SagaStep.Compensating, OrderStatus.Pending), (order.Step, order.Status));
        var failed = Assert.IsType<OrderFailed>(Single<OrderEvent>(OrderSaga.Handle(order, new OrderStockReleased(order.Id), Now), OrderEvent.AggregateType));
        Assert.Equal(PaymentFailureReasons.Declined, failed.Reason);
    }

    [Fact]
    public void ACancelWhileChargingReleasesAndRefundsAndFailsOnlyWhenBothAreDone()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now);

        Assert.Equal(CancelOutcome.Accepted, OrderSaga.Cancel(order, Now, out var messages));

        Assert.IsType<ReleaseOrderStock>(Single<OrderStockCommand>(messages, OrderStockCommand.AggregateType));
        Assert.Equal("cancelled", Assert.IsType<RefundPayment>(Single<PaymentCommand>(messages, PaymentCommand.AggregateType)).Reason);
        // The charge that raced the cancel succeeded: the refund already asked for covers it.
        Assert.Empty(OrderSaga.Handle(order, new PaymentSucceeded(order.Id, Guid.NewGuid(), 59.80m, "USD"), Now));
        Assert.Empty(OrderSaga.Handle(order, new OrderStockReleased(order.Id), Now));
        Assert.Equal(SagaStep.Compensating, order.Step);

        var failed = Assert.IsType<OrderFailed>(Single<OrderEvent>(
            OrderSaga.Handle(order, new PaymentRefunded(order.Id, Guid.NewGuid(), 59.80m, "USD", "cancelled"), Now), OrderEvent.AggregateType));
        Assert.Equal("cancelled", failed.Reason);
        Assert.Equal(CancelOutcome.AlreadyFailed, OrderSaga.Cancel(order, Now, out _));
    }

    [Fact]
    public void ACancelBeforeAnyChargeOnlyReleasesAndALateReservationIsIgnored()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);

        OrderSaga.Cancel(order, Now, out var messages);

        Assert.IsType<ReleaseOrderStock>(Single<OrderStockCommand>(messages, OrderStockCommand.AggregateType));
        Assert.DoesNotContain(messages, m => m.AggregateType == PaymentCommand.AggregateType);
        Assert.Empty(OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now));
        Assert.Equal(CancelOutcome.Accepted, OrderSaga.Cancel(order, Now, out var again));
        Assert.Empty(again);
        Assert.IsType<OrderFailed>(Single<OrderEvent>(OrderSaga.Handle(order, new OrderStockReleased(order.Id), Now), OrderEvent.AggregateType));
    }

    [Fact]
    public void ACancelledConfirmedOrderIsRestockedAndRefunded()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        OrderSaga.Handle(order, new OrderStockReserved(order.Id), Now);
        OrderSaga.Handle(order, new PaymentSucceeded(order.Id, Guid.NewGuid(), 59.80m, "USD"), Now);
        OrderSaga.Handle(order, new OrderStockCommitted(order.Id), Now);

        OrderSaga.Cancel(order, Now, out var messages);

        Assert.Equal(2, messages.Count);
        Assert.Equal(OrderStatus.Confirmed, order.Status);
        OrderSaga.Handle(order, new PaymentRefunded(order.Id, Guid.NewGuid(), 59.80m, "USD", "cancelled"), Now);
        OrderSaga.Handle(order, new OrderStockReleased(order.Id), Now);
        Assert.Equal((OrderStatus.Failed, "cancelled"), (order.Status, order.FailureReason));
    }

    [Fact]
    public void AnOverdueStepSendsItsCommandAgainWithAGrowingDeadline()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        Assert.Equal(Now + OrderSaga.Timeout(SagaStep.Reserving), order.DeadlineAt);

        var timeout = OrderSaga.Timeout(SagaStep.Reserving);
        var later = order.DeadlineAt!.Value.AddSeconds(1);
        Assert.IsType<ReserveOrderStock>(Single<OrderStockCommand>(OrderSaga.Resend(order, later), OrderStockCommand.AggregateType));
        var first = order.DeadlineAt!.Value - later;
        OrderSaga.Resend(order, later);
        var second = order.DeadlineAt!.Value - later;

        // Doubling per attempt, jittered ±20 %.
        Assert.Equal(2, order.StepAttempts);
        Assert.InRange(first, timeout * 2 * 0.8, timeout * 2 * 1.2);
        Assert.InRange(second, timeout * 4 * 0.8, timeout * 4 * 1.2);

        OrderSaga.Handle(order, new OrderStockReserved(order.Id), later);
        Assert.IsType<ChargePayment>(Single<PaymentCommand>(OrderSaga.Resend(order, later), PaymentCommand.AggregateType));

        // Compensating re-sends only what is still outstanding.
        OrderSaga.Cancel(order, later, out _);
        OrderSaga.Handle(order, new OrderStockReleased(order.Id), later);
        Assert.IsType<RefundPayment>(Single<PaymentCommand>(OrderSaga.Resend(order, later), PaymentCommand.AggregateType));
    }

    [Fact]
    public void AfterItsLastReSendAnOrderIsParkedAndALateReplyStillMovesItOn()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        var later = Now.AddHours(1);
        OrderSaga.Resend(order, later, maxResends: 2);
        OrderSaga.Resend(order, later, maxResends: 2);

        Assert.Empty(OrderSaga.Resend(order, later, maxResends: 2));
        Assert.Equal((later, null, OrderStatus.Pending), (order.NeedsAttentionAt, order.DeadlineAt, order.Status));
        Assert.Equal("needs_attention", order.Timeline[^1].Step);

        OrderSaga.Handle(order, new OrderStockReserved(order.Id), later);
        Assert.Equal((null, SagaStep.Charging), (order.NeedsAttentionAt, order.Step));
        Assert.NotNull(order.DeadlineAt);
    }

    [Fact]
    public void AnAdminsRetryMakesAParkedStepDueAtOnceWithAFreshCount()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        OrderSaga.Resend(order, Now, maxResends: 0);

        OrderSaga.Retry(order, Now.AddMinutes(1));

        Assert.Equal((null, 0, Now.AddMinutes(1)), (order.NeedsAttentionAt, order.StepAttempts, order.DeadlineAt));
        Assert.IsType<ReserveOrderStock>(Single<OrderStockCommand>(OrderSaga.Resend(order, Now.AddMinutes(1), maxResends: 1), OrderStockCommand.AggregateType));
    }

    [Fact]
    public void AnOrderAtRestIsNeverSentAnythingAgain()
    {
        var order = NewOrder();
        OrderSaga.Start(order, Now);
        OrderSaga.Handle(order, new OrderStockRejected(order.Id, "out_of_stock"), Now);

        Assert.Empty(OrderSaga.Resend(order, Now.AddHours(1)));
        Assert.Null(order.DeadlineAt);
    }

    private static Order NewOrder()
    {
        var id = Guid.NewGuid();
        return new Order
        {
            Id = id,
            BuyerId = Guid.NewGuid(),
            Currency = "USD",
            Total = 59.80m,
            PaymentMethod = "4242424242424242",
            ShippingAddress = new ShippingAddress { Name = "Ada", Line1 = "1 Main St", City = "Springfield", PostalCode = "12345", Country = "US" },
            CreatedAt = Now,
            Lines =
            [
                new API.Domain.OrderLine
                {
                    OrderId = id, LineNumber = 1, SkuId = Guid.NewGuid(), SellerId = Guid.NewGuid(), ProductId = Guid.NewGuid(),
                    ProductTitle = "Trail runner", SkuCode = "TR-1", Quantity = 2, UnitPrice = 29.90m, ReservationId = Guid.NewGuid(),
                },
            ],
        };
    }

    /// <summary>The one message of <paramref name="aggregateType"/>, read back as its consumer reads it (the base type).</summary>
    private static T Single<T>(IReadOnlyList<OutboxEvent> messages, string aggregateType)
        where T : class =>
        Parse<T>(Assert.Single(messages, m => m.AggregateType == aggregateType));

    private static T Parse<T>(OutboxEvent message)
        where T : class
    {
        Assert.Equal(message.AggregateId, JsonDocument.Parse(message.Payload).RootElement.GetProperty("orderId").GetString());
        return JsonSerializer.Deserialize<T>(message.Payload, OutboxEvent.SerializerOptions)!;
    }
}
