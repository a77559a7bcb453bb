using AspireShop.Cart.API.Domain;

namespace AspireShop.Cart.API.Apis;

public sealed record AddItemRequest(Guid? SkuId, Guid? SellerId, int? Quantity);

public sealed record UpdateItemRequest(int? Quantity);

public static class HoldStatus
{
    public const string Held = "held";
    public const string Expired = "expired";
}

public sealed record CartLineView(
    Guid SkuId,
    Guid SellerId,
    Guid ProductId,
    string ProductTitle,
    string SkuCode,
    Dictionary<string, string> Attributes,
    decimal UnitPrice,
    string Currency,
    int Quantity,
    decimal LineTotal,
    Guid ReservationId,
    DateTimeOffset HoldExpiresAt,
    string HoldStatus);

/// <summary>Amounts in different currencies are never added together.</summary>
public sealed record CartTotal(string Currency, int Quantity, decimal Amount);

public sealed record CartView(Guid BuyerId, IReadOnlyList<CartLineView> Lines, IReadOnlyList<CartTotal> Totals)
{
    public static CartView From(Guid buyerId, IEnumerable<CartLine> lines, DateTimeOffset now)
    {
        var views = lines
            .OrderBy(l => l.AddedAt)
            .ThenBy(l => l.SkuId)
            .Select(l => new CartLineView(
                l.SkuId, l.SellerId, l.ProductId, l.ProductTitle, l.SkuCode, l.Attributes, l.UnitPrice, l.Currency, l.Quantity,
                l.UnitPrice * l.Quantity, l.ReservationId, l.HoldExpiresAt, l.IsHeld(now) ? HoldStatus.Held : HoldStatus.Expired))
            .ToList();
        var totals = views
            .GroupBy(l => l.Currency, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CartTotal(g.Key, g.Sum(l => l.Quantity), g.Sum(l => l.LineTotal)))
            .ToList();
        return new CartView(buyerId, views, totals);
    }
}
