using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Payment.API.Services;
using AspireShop.Payment.Contracts;

namespace AspireShop.Payment.API.Events;

/// <summary>
/// The OrderSaga's commands (topic <see cref="PaymentCommand.Topic"/>, keyed by order id). Redelivered, re-sent or out
/// of order, each is idempotent: a repeat under a new message id answers with the recorded outcome, a redelivery of
/// the same message changes and publishes nothing. An unknown provider outcome is handed to the PaymentReconciler, so
/// one silent provider call never holds up the partition's other orders.
/// </summary>
public sealed class PaymentCommandHandler(PaymentProcessor payments) : IEventHandler<PaymentCommand>
{
    /// <summary>The consumer group and the inbox consumer name of the commands.</summary>
    public const string ConsumerGroup = "payment.commands";

    public Task HandleAsync(PaymentCommand payload, ReceivedMessage message, CancellationToken cancellationToken) => payload switch
    {
        ChargePayment charge => payments.ChargeAsync(charge, Receipt.Command(ConsumerGroup, message.MessageId), cancellationToken),
        RefundPayment refund => payments.RefundAsync(refund, Receipt.Command(ConsumerGroup, message.MessageId), cancellationToken),
        _ => throw new PoisonMessageException($"{message.MessageId}: {payload.GetType().Name} is not a payment command this service knows."),
    };
}
