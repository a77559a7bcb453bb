using AspireShop.Cart.API.Domain;
using AspireShop.Cart.API.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Cart.API.Services;

/// <summary>How a cart change ended; the API turns it into a status code.</summary>
public enum CartOutcome
{
    Changed,
    Created,
    LineNotFound,
    UnknownOffer,
    TooMany,
    OutOfStock,
    Refused,
    Conflict,
}

public sealed record CartChange(CartOutcome Outcome, int? Available = null, string? Detail = null);

/// <summary>
/// Cart changes: price the line with Catalog, hold its units in Inventory, then write the line with a compare-and-set.
/// A change that lost a race to another change of the same line undoes its new hold and starts again from what won,
/// so concurrent adds add up and no line or hold is lost.
/// </summary>
public sealed partial class CartService(
    CartStore store,
    CatalogClient catalog,
    InventoryClient inventory,
    IOptions<CartOptions> options,
    TimeProvider clock,
    ILogger<CartService> logger)
{
    private const int MaxAttempts = 20;

    private readonly CartOptions _options = options.Value;

    public Task<IReadOnlyList<CartLine>> GetLinesAsync(Guid buyerId) => store.GetLinesAsync(buyerId);

    /// <summary>Adds <paramref name="quantity"/> units of an offer: a new line, or more of an existing one.</summary>
    public async Task<CartChange> AddAsync(Guid buyerId, Guid skuId, Guid sellerId, int quantity, CancellationToken cancellationToken)
    {
        var offer = await catalog.GetOfferAsync(skuId, sellerId, cancellationToken);
        if (offer is null)
        {
            return new CartChange(CartOutcome.UnknownOffer);
        }

        return await ChangeLineAsync(buyerId, skuId, sellerId, current =>
        {
            var total = (current?.Quantity ?? 0) + quantity;
            return total > CartLine.MaxQuantity ? null : total;
        }, offer, cancellationToken);
    }

    /// <summary>Sets the quantity of an existing line, resizing its hold (or taking a new one if it expired).</summary>
    public Task<CartChange> SetQuantityAsync(Guid buyerId, Guid skuId, Guid sellerId, int quantity, CancellationToken cancellationToken) =>
        ChangeLineAsync(buyerId, skuId, sellerId, _ => quantity, offer: null, cancellationToken);

    /// <summary>Holds the units of a line again after its hold expired; a line still held is left as it is.</summary>
    public Task<CartChange> HoldAgainAsync(Guid buyerId, Guid skuId, Guid sellerId, CancellationToken cancellationToken) =>
        ChangeLineAsync(buyerId, skuId, sellerId, current => current?.Quantity, offer: null, cancellationToken);

    /// <summary>Removes a line, then releases its hold; if Inventory is down the hold simply runs out.</summary>
    public async Task<CartChange> RemoveAsync(Guid buyerId, Guid skuId, Guid sellerId)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = await store.GetLineAsync(buyerId, skuId, sellerId);
            if (current is null)
            {
                return new CartChange(CartOutcome.LineNotFound);
            }

            if (!await store.TryReplaceAsync(buyerId, skuId, sellerId, current, line: null))
            {
                continue;
            }

            await TryReleaseAsync(current.Line.ReservationId);
            return new CartChange(CartOutcome.Changed);
        }

        return new CartChange(CartOutcome.Conflict);
    }

    /// <summary>
    /// The read → hold → compare-and-set loop. <paramref name="quantityFor"/> maps the current line (null: none) to the
    /// wanted quantity (null: more than a line may hold). Without an <paramref name="offer"/> the line must exist.
    /// </summary>
    private async Task<CartChange> ChangeLineAsync(
        Guid buyerId, Guid skuId, Guid sellerId, Func<CartLine?, int?> quantityFor, Offer? offer, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = await store.GetLineAsync(buyerId, skuId, sellerId);
            if (current is null && offer is null)
            {
                return new CartChange(CartOutcome.LineNotFound);
            }

            if (quantityFor(current?.Line) is not { } quantity)
            {
                return new CartChange(CartOutcome.TooMany);
            }

            var now = clock.GetUtcNow();
            var existing = current?.Line;
            if (existing is not null && existing.Quantity == quantity && existing.IsHeld(now) && offer is null)
            {
                return new CartChange(CartOutcome.Changed);
            }

            var hold = await HoldAsync(buyerId, skuId, sellerId, existing, quantity, now, cancellationToken);
            switch (hold)
            {
                case NotEnough notEnough:
                    return new CartChange(CartOutcome.OutOfStock, notEnough.Available, notEnough.Detail);
                case HoldRefused refused:
                    return new CartChange(CartOutcome.Refused, Detail: refused.Detail);
            }

            var held = (Held)hold;
            var isNewHold = existing is null || held.ReservationId != existing.ReservationId;
            var line = new CartLine(
                skuId,
                sellerId,
                offer?.ProductId ?? existing!.ProductId,
                offer?.ProductTitle ?? existing!.ProductTitle,
                offer?.SkuCode ?? existing!.SkuCode,
                offer?.Attributes ?? existing?.Attributes ?? [],
                offer?.Price ?? existing!.UnitPrice,
                offer?.Currency ?? existing!.Currency,
                quantity,
                held.ReservationId,
                held.ExpiresAt ?? (isNewHold ? now + _options.HoldTtl : existing!.HoldExpiresAt),
                existing?.AddedAt ?? now,
                (existing?.Version ?? 0) + 1);

            if (await store.TryReplaceAsync(buyerId, skuId, sellerId, current, line))
            {
                if (existing is not null && isNewHold)
                {
                    // The old hold has expired by our clock; releasing it covers Inventory's clock being behind.
                    await TryReleaseAsync(existing.ReservationId);
                }

                return new CartChange(existing is null ? CartOutcome.Created : CartOutcome.Changed);
            }

            // Another change of this line won: give back what this attempt holds, then start from the winner's line.
            if (isNewHold)
            {
                await TryReleaseAsync(held.ReservationId);
            }

            LogRetry(buyerId, skuId, sellerId, attempt);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * Math.Min(attempt, 5))), cancellationToken);
        }

        return new CartChange(CartOutcome.Conflict);
    }

    /// <summary>Resizes the line's live hold, or takes a new one when there is none (new line, expired, released).</summary>
    private async Task<HoldResult> HoldAsync(
        Guid buyerId, Guid skuId, Guid sellerId, CartLine? existing, int quantity, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One key per logical attempt: the resilience handler's retries of it are deduplicated, a new attempt is not.
        var idempotencyKey = $"cart:{buyerId:N}:{skuId:N}:{sellerId:N}:{(existing?.Version ?? 0) + 1}:{Guid.NewGuid():N}";
        if (existing is not null && existing.IsHeld(now))
        {
            var resized = await inventory.ResizeAsync(existing.ReservationId, quantity, _options.HoldTtl, idempotencyKey, cancellationToken);
            if (resized is not HoldGone)
            {
                return resized;
            }
        }

        return await inventory.ReserveAsync(skuId, sellerId, quantity, _options.HoldTtl, buyerId, idempotencyKey, cancellationToken);
    }

    private async Task TryReleaseAsync(Guid reservationId)
    {
        try
        {
            // Not the buyer's token: a release must finish even if the buyer hangs up.
            await inventory.ReleaseAsync(reservationId, CancellationToken.None);
        }
        catch (DependencyUnavailableException ex)
        {
            // The hold's TTL releases it anyway.
            LogReleaseFailed(reservationId, ex.Message);
        }
    }

    [LoggerMessage(LogLevel.Debug, "Cart line {SkuId}/{SellerId} of buyer {BuyerId} changed concurrently; attempt {Attempt} starts again")]
    private partial void LogRetry(Guid buyerId, Guid skuId, Guid sellerId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Could not release reservation {ReservationId}; it expires on its own: {Reason}")]
    private partial void LogReleaseFailed(Guid reservationId, string reason);
}
