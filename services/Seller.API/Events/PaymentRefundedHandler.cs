using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Payment.Contracts;
using AspireShop.Seller.API.Domain.Ledger;
using AspireShop.Seller.API.Services;

namespace AspireShop.Seller.API.Events;

/// <summary>
/// Payment's <see cref="PaymentRefunded"/> (topic <see cref="PaymentEvent.Topic"/>, keyed by order id) reverses the parts
/// it refunded: reason <c>seller:&lt;id&gt;</c> that seller's part (its seller cancelled it), any other reason every part
/// not reversed yet (the order was cancelled). A refund of an order the ledger has not seen is parked for the order's
/// confirmation; one whose amount does not match the parts is dead-lettered, booking nothing.
/// </summary>
public sealed partial class PaymentRefundedHandler(PayoutLedger ledger, TenantContext tenant, ILogger<PaymentRefundedHandler> logger) : IEventHandler<PaymentEvent>
{
    /// <summary>The consumer group and the inbox consumer name of Payment's outcomes.</summary>
    public const string ConsumerGroup = "seller.payments";

    public async Task HandleAsync(PaymentEvent payload, ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (payload is not PaymentRefunded refunded)
        {
            return;
        }

        // Nothing refunded (nothing captured, or nothing left): nothing to reverse now or ever, whatever the order.
        if (refunded.Amount == 0)
        {
            LogRefund(refunded.OrderId, refunded.Reason, "nothing refunded");
            return;
        }

        var refund = Parse(refunded, message);
        tenant.Current = Tenant.Everyone;
        try
        {
            var result = await ledger.BookRefundAsync(refund, ConsumerGroup, message.MessageId, cancellationToken);
            LogRefund(refunded.OrderId, refunded.Reason, result?.Outcome.ToString() ?? "handled before");
        }
        catch (RefundMismatchException mismatch)
        {
            throw new PoisonMessageException($"{message.MessageId}: {mismatch.Message}", mismatch);
        }
    }

    private static LedgerRefund Parse(PaymentRefunded refunded, ReceivedMessage message)
    {
        if (string.IsNullOrWhiteSpace(refunded.Reason) || refunded.Reason.Length > 200)
        {
            throw new PoisonMessageException($"{message.MessageId}: refund of order {refunded.OrderId} has no usable reason.");
        }

        var currency = refunded.Currency?.ToUpperInvariant();
        if (!LedgerMoney.IsCurrency(currency) || refunded.Amount < 0 || LedgerMoney.ToMinorUnits(refunded.Amount) is not { } amount)
        {
            throw new PoisonMessageException($"{message.MessageId}: refund of order {refunded.OrderId} is {refunded.Amount} '{refunded.Currency}'.");
        }

        Guid? sellerId = null;
        if (refunded.Reason.StartsWith(PaymentRefunded.SellerReasonPrefix, StringComparison.Ordinal))
        {
            sellerId = Guid.TryParse(refunded.Reason.AsSpan(PaymentRefunded.SellerReasonPrefix.Length), out var id)
                ? id
                : throw new PoisonMessageException($"{message.MessageId}: refund reason '{refunded.Reason}' names no seller id.");
        }

        return new LedgerRefund(refunded.OrderId, refunded.PaymentId, refunded.Reason, sellerId, amount, currency!);
    }

    [LoggerMessage(LogLevel.Information, "Refund of order {OrderId} ({Reason}): {Outcome}")]
    private partial void LogRefund(Guid orderId, string reason, string outcome);
}
