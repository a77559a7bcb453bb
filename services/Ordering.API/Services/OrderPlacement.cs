using System.Text.Json;
using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Ordering.API.Apis;
using AspireShop.Ordering.API.Data;
using AspireShop.Ordering.API.Domain;
using AspireShop.ServiceDefaults.Diagnostics;

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
/// Turns the buyer's cart into a PENDING order: read the cart, price every line from Catalog, then in one local
/// transaction claim the Idempotency-Key, write the order, its saga's first command (outbox) and the response to
/// replay. The saga then runs in the background; the buyer has a 202 at once.
/// </summary>
/// <remarks>
/// Cart and Catalog are read before the transaction opens: a slow dependency in a rush must not hold a database
/// connection per waiting buyer (the saga's replies need them). A request whose key was already answered is answered
/// from the store first, without reading the cart again (after the order it is empty), and the claim in the writing
/// transaction decides again, so a duplicate that read the cart concurrently still replays rather than ordering twice.
/// </remarks>
public sealed class OrderPlacement(OrderingContext db, IdempotencyStore keys, CartClient cart, CatalogClient catalog, TimeProvider clock)
{
    public static readonly JsonSerializerOptions ResponseJson = new(JsonSerializerDefaults.Web);

    public async Task<PlaceOutcome> PlaceAsync(
        Guid buyerId, string bearerToken, string key, string requestHash, ShippingAddress address, string paymentMethod, CancellationToken cancellationToken)
    {
        var scope = $"order:{buyerId}";
        await using (await db.Database.BeginTransactionAsync(cancellationToken))
        {
            if (Settled(await keys.ClaimAsync(db, scope, key, requestHash, cancellationToken)) is { } answered)
            {
                return answered;
            }
        }

        var (lines, refusal) = await PriceCartAsync(bearerToken, cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (Settled(await keys.ClaimAsync(db, scope, key, requestHash, cancellationToken)) is { } settled)
        {
            return settled;
        }

        if (refusal is not null)
        {
            return refusal;
        }

        var now = clock.GetUtcNow();
        var order = new Order
        {
            Id = Guid.CreateVersion7(),
            BuyerId = buyerId,
            Currency = lines[0].Offer.Currency,
            PaymentMethod = paymentMethod,
            ShippingAddress = address,
            CreatedAt = now,
        };
        order.Lines = [.. lines.Select((line, i) => new OrderLine
        {
            OrderId = order.Id,
            LineNumber = i + 1,
            SkuId = line.Cart.SkuId,
            SellerId = line.Cart.SellerId,
            ProductId = line.Offer.ProductId,
            ProductTitle = line.Offer.ProductTitle,
            SkuCode = line.Offer.SkuCode,
            Quantity = line.Cart.Quantity,
            UnitPrice = line.Offer.Price,
            ReservationId = line.Cart.ReservationId,
        })];
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
        // Accepted but the 202 never sent: the buyer's retry with the same key must get this order, not a second one.
        CrashPoints.Hit("place-after-commit");
        return new PlaceOutcome.Respond(response, Replayed: false);
    }

    /// <summary>The cart's lines with Catalog's prices, or why they cannot become an order.</summary>
    private async Task<(IReadOnlyList<(CartLine Cart, CatalogOffer Offer)> Lines, PlaceOutcome? Refusal)> PriceCartAsync(
        string bearerToken, CancellationToken cancellationToken)
    {
        var cartLines = await cart.GetLinesAsync(bearerToken, cancellationToken);
        if (cartLines.Count == 0)
        {
            return ([], new PlaceOutcome.EmptyCart());
        }

        var offers = await Task.WhenAll(cartLines.Select(l => catalog.GetOfferAsync(l.SkuId, l.SellerId, cancellationToken)));
        var priced = new List<(CartLine Cart, CatalogOffer Offer)>();
        for (var i = 0; i < cartLines.Count; i++)
        {
            if (offers[i] is not { } offer)
            {
                return ([], new PlaceOutcome.UnknownOffer(cartLines[i].SkuId, cartLines[i].SellerId));
            }

            priced.Add((cartLines[i], offer));
        }

        var currencies = priced.Select(p => p.Offer.Currency).Distinct(StringComparer.Ordinal).ToList();
        return currencies.Count > 1 ? ([], new PlaceOutcome.MixedCurrencies(currencies)) : (priced, null);
    }

    /// <summary>What the key alone decides: a replay, or a refusal (used with another request, or in flight); null when claimed.</summary>
    private static PlaceOutcome? Settled(IdempotencyClaim claim) => claim.Outcome switch
    {
        IdempotencyOutcome.Replay => new PlaceOutcome.Respond(claim.Response!, Replayed: true),
        IdempotencyOutcome.Mismatch or IdempotencyOutcome.InFlight => new PlaceOutcome.Refused(claim.Outcome),
        _ => null,
    };
}
