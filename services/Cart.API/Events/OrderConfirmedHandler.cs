using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Cart.API.Services;
using AspireShop.Ordering.Contracts;

namespace AspireShop.Cart.API.Events;

/// <summary>
/// Forgets the lines of a confirmed order from the buyer's cart, without calling Inventory: the order's saga took over
/// their holds, which are sold units now. A failed order leaves the cart as it is, so the buyer can try again.
/// Idempotent without an inbox: a removed line stays removed, and a line added after the confirmation is never taken
/// for the ordered one (<see cref="CartService.ForgetOrderedAsync"/>).
/// </summary>
public sealed partial class OrderConfirmedHandler(CartService cart, ILogger<OrderConfirmedHandler> logger) : IEventHandler<OrderEvent>
{
    public const string ConsumerGroup = "cart.orders";

    public async Task HandleAsync(OrderEvent payload, ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (payload is not OrderConfirmed confirmed)
        {
            return;
        }

        var removed = await cart.ForgetOrderedAsync(
            confirmed.BuyerId, confirmed.Lines.Select(l => (l.SkuId, l.SellerId, l.ReservationId)), confirmed.ConfirmedAt, cancellationToken);
        LogForgotten(confirmed.OrderId, confirmed.BuyerId, removed, confirmed.Lines.Count);
    }

    [LoggerMessage(LogLevel.Information, "Order {OrderId} confirmed: removed {Removed} of its {Ordered} line(s) from the cart of buyer {BuyerId}")]
    private partial void LogForgotten(Guid orderId, Guid buyerId, int removed, int ordered);
}
