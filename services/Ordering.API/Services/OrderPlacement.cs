using System.Text.Json;
using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.API.Apis;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;

namespace AspireShop.Ordering.API.Services;

public abstract record PlaceOutcome
{
    /// <summary>The response to send: a new order's 202, or the first one replayed.</summary>
    public sealed record Respond(StoredResponse Response, bool Replayed) : PlaceOutcome;

    public sealed record Refused(IdempotencyOutcome Reason) : PlaceOutcome;

    public sealed record EmptyCart : PlaceOutcome;

    public sealed record UnknownOffer(Guid SkuId, Guid SellerId) : PlaceOutcome;

    public sealed record MixedCurrencies(IReadOnlyList<string> Currencies) : PlaceOutcome;
}

/// <summary>
/// Turns the buyer's cart into a PENDING order in one local transaction: claim the Idempotency-Key, read the cart,
/// price every line from Catalog, write the order, its saga's first command (outbox) and the response to replay. The
/// saga then runs in the background; the buyer has a 202 at once.
/// </summary>
public sealed class OrderPlacement(OrderingContext db, IdempotencyStore keys, CartClient cart, CatalogClient catalog, TimeProvider clock)
{
    public static readonly JsonSerializerOptions ResponseJson = new(JsonSerializerDefaults.Web);

    public async Task<PlaceOutcome> PlaceAsync(
        Guid buyerId, string bearerToken, string key, string requestHash, ShippingAddress address, string paymentMethod, CancellationToken cancellationToken)
    {
        var scope = $"order:{buyerId}";
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var claim = await keys.ClaimAsync(db, scope, key, requestHash, cancellationToken);
        switch (claim.Outcome)
        {
            case IdempotencyOutcome.Replay:
                return new PlaceOutcome.Respond(claim.Response!, Replayed: true);
            case IdempotencyOutcome.Mismatch or IdempotencyOutcome.InFlight:
                return new PlaceOutcome.Refused(claim.Outcome);
        }

        var cartLines = await cart.GetLinesAsync(bearerToken, cancellationToken);
        if (cartLines.Count == 0)
        {
            return new PlaceOutcome.EmptyCart();
        }

        var offers = await Task.WhenAll(cartLines.Select(l => catalog.GetOfferAsync(l.SkuId, l.SellerId, cancellationToken)));
        for (var i = 0; i < cartLines.Count; i++)
        {
            if (offers[i] is null)
            {
                return new PlaceOutcome.UnknownOffer(cartLines[i].SkuId, cartLines[i].SellerId);
            }
        }

        var currencies = offers.Select(o => o!.Currency).Distinct(StringComparer.Ordinal).ToList();
        if (currencies.Count > 1)
        {
            return new PlaceOutcome.MixedCurrencies(currencies);
        }

        var now = clock.GetUtcNow();
        var order = new Order
        {
            Id = Guid.CreateVersion7(),
            BuyerId = buyerId,
            Currency = currencies[0],
            PaymentMethod = paymentMethod,
            ShippingAddress = address,
            CreatedAt = now,
            Lines = [.. cartLines.Select((line, i) => new OrderLine
            {
                LineNumber = i + 1,
                SkuId = line.SkuId,
                SellerId = line.SellerId,
                ProductId = offers[i]!.ProductId,
                ProductTitle = offers[i]!.ProductTitle,
                SkuCode = offers[i]!.SkuCode,
                Quantity = line.Quantity,
                UnitPrice = offers[i]!.Price,
                ReservationId = line.ReservationId,
            })],
        };
        foreach (var line in order.Lines)
        {
            line.OrderId = order.Id;
        }

        order.Total = order.Lines.Sum(l => l.UnitPrice * l.Quantity);
        foreach (var message in OrderSaga.Start(order, now))
        {
            db.AddOutboxEvent(message);
        }

        db.Orders.Add(order);
        var location = $"/api/orders/{order.Id}";
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new OrderAccepted(order.Id, order.Status, order.Total, order.Currency, location, $"{location}/events"), ResponseJson);
        var response = new StoredResponse(StatusCodes.Status202Accepted, location, body);
        await keys.CompleteAsync(db, scope, key, requestHash, response, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new PlaceOutcome.Respond(response, Replayed: false);
    }
}
