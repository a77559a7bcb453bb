using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Ordering.Contracts;
using AspireShop.Seller.API.Domain.Ledger;
using AspireShop.Seller.API.Services;

namespace AspireShop.Seller.API.Events;

/// <summary>
/// Ordering's <see cref="OrderConfirmed"/> (topic <see cref="OrderEvent.Topic"/>, keyed by order id) books each seller's
/// part into the payout ledger: clearing −captured, the seller +(captured − commission), commission +commission.
/// Idempotent twice over: the inbox skips a redelivered message, and a part booked before is not booked again.
/// </summary>
public sealed partial class OrderConfirmedHandler(PayoutLedger ledger, TenantContext tenant, ILogger<OrderConfirmedHandler> logger) : IEventHandler<OrderEvent>
{
    /// <summary>The consumer group and the inbox consumer name of Ordering's events.</summary>
    public const string ConsumerGroup = "seller.orders";

    public async Task HandleAsync(OrderEvent payload, ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (payload is not OrderConfirmed confirmed)
        {
            return;
        }

        // What the database would refuse on every retry is refused once, straight to the dead letters.
        var currency = confirmed.Currency?.ToUpperInvariant();
        if (!LedgerMoney.IsCurrency(currency))
        {
            throw new PoisonMessageException($"{message.MessageId}: order {confirmed.OrderId} is in '{confirmed.Currency}', not a three-letter currency.");
        }

        if (confirmed.Lines.FirstOrDefault(l => l.Quantity <= 0 || l.UnitPrice < 0 || LedgerMoney.ToMinorUnits(l.UnitPrice) is null) is { } bad)
        {
            throw new PoisonMessageException($"{message.MessageId}: order {confirmed.OrderId} has a line of SKU {bad.SkuId} with quantity {bad.Quantity} at {bad.UnitPrice}.");
        }

        List<CapturedPart> parts = [.. confirmed.Lines.GroupBy(l => l.SellerId)
            .Select(lines => new CapturedPart(lines.Key, checked(lines.Sum(l => l.Quantity * LedgerMoney.ToMinorUnits(l.UnitPrice)!.Value))))];

        // The order's entries belong to every seller in it and to the platform: the handler books as the platform.
        tenant.Current = Tenant.Everyone;
        var booked = await ledger.BookOrderAsync(
            confirmed.OrderId, currency!, parts, confirmed.ConfirmedAt, ConsumerGroup, message.MessageId, cancellationToken);
        LogBooked(confirmed.OrderId, booked, parts.Count);
    }

    [LoggerMessage(LogLevel.Information, "Order {OrderId} confirmed: {Booked} of its {Sellers} seller part(s) booked (-1: handled before)")]
    private partial void LogBooked(Guid orderId, int booked, int sellers);
}
