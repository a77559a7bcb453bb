using AspireShop.Cart.API.Domain;
using AspireShop.Cart.API.Extensions;
using AspireShop.ServiceDefaults.Http;
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
    OfferCache offers,
    InventoryClient inventory,
    HoldIntents intents,
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
        var offer = await offers.GetAsync(skuId, sellerId, cancellationToken);
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

            await ReleaseOrDeferAsync(buyerId, skuId, sellerId, current.Line.ReservationId);
            return new CartChange(CartOutcome.Changed);
        }

        return new CartChange(CartOutcome.Conflict);
    }

    /// <summary>
    /// Removes the lines a confirmed order bought without releasing their holds: the order's saga took them over, so the
    /// units are the order's now. Each line is a compare-and-set, so a concurrent change of it is re-read, never lost.
    /// Returns how many lines were removed; repeating it removes nothing more.
    /// </summary>
    public async Task<int> ForgetOrderedAsync(
        Guid buyerId, IEnumerable<(Guid SkuId, Guid SellerId, Guid? ReservationId)> ordered, DateTimeOffset confirmedAt, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var (skuId, sellerId, reservationId) in ordered.Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await ForgetOrderedLineAsync(buyerId, skuId, sellerId, reservationId, confirmedAt))
            {
                removed++;
            }
        }

        return removed;
    }

    private async Task<bool> ForgetOrderedLineAsync(Guid buyerId, Guid skuId, Guid sellerId, Guid? orderedHold, DateTimeOffset confirmedAt)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = await store.GetLineAsync(buyerId, skuId, sellerId);
            // The ordered line: the offer's line added before the confirmation and still on the hold the order took over;
            // a later line, or one that took a hold of its own after checkout, is a new purchase (and keeps its hold).
            if (current is null || current.Line.AddedAt > confirmedAt || (orderedHold is { } hold && current.Line.ReservationId != hold))
            {
                return false;
            }

            if (await store.TryReplaceAsync(buyerId, skuId, sellerId, current, line: null))
            {
                return true;
            }

            LogRetry(buyerId, skuId, sellerId, attempt);
        }

        // Thrown to the consumer, which retries with backoff: a burst of edits ends, and the ordered line must still go.
        throw new InvalidOperationException($"Cart line {skuId}/{sellerId} of buyer {buyerId} kept changing; the ordered line is not removed yet.");
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

            var (hold, intent) = await HoldAsync(buyerId, skuId, sellerId, existing, quantity, now, cancellationToken);
            switch (hold)
            {
                case NotEnough notEnough:
                    await intents.SettleAsync(intent);
                    return new CartChange(CartOutcome.OutOfStock, notEnough.Available, notEnough.Detail);
                case HoldRefused refused:
                    await intents.SettleAsync(intent);
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
                await intents.SettleAsync(intent);
                if (existing is not null && isNewHold)
                {
                    // The old hold has expired by our clock; releasing it covers Inventory's clock being behind.
                    await ReleaseOrDeferAsync(buyerId, skuId, sellerId, existing.ReservationId);
                }

                return new CartChange(existing is null ? CartOutcome.Created : CartOutcome.Changed);
            }

            // Another change of this line won: give back what this attempt holds, then start from the winner's line.
            if (isNewHold)
            {
                await ReleaseOrDeferAsync(buyerId, skuId, sellerId, held.ReservationId);
            }

            // A resize of the line's hold that lost stays recorded: the reconciler sets the hold to the winner's quantity.
            if (!(existing is not null && !isNewHold))
            {
                await intents.SettleAsync(intent);
            }

            LogRetry(buyerId, skuId, sellerId, attempt);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * Math.Min(attempt, 5))), cancellationToken);
        }

        return new CartChange(CartOutcome.Conflict);
    }

    /// <summary>
    /// Resizes the line's live hold, or takes a new one when there is none (new line, expired, released). The intent
    /// is recorded first and returned unsettled: the caller settles it once the line is written or the hold given back.
    /// </summary>
    private async Task<(HoldResult Result, HoldIntent Intent)> HoldAsync(
        Guid buyerId, Guid skuId, Guid sellerId, CartLine? existing, int quantity, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One key per logical attempt: the resilience handler's retries of it are deduplicated, a new attempt is not.
        var idempotencyKey = $"cart:{buyerId:N}:{skuId:N}:{sellerId:N}:{(existing?.Version ?? 0) + 1}:{Guid.NewGuid():N}";
        if (existing is not null && existing.IsHeld(now))
        {
            var resizing = new HoldIntent(buyerId, skuId, sellerId, idempotencyKey, existing.ReservationId);
            await intents.RecordAsync(resizing);
            HoldResult resized;
            try
            {
                resized = await inventory.ResizeAsync(existing.ReservationId, quantity, _options.HoldTtl, idempotencyKey, cancellationToken);
            }
            catch (Exception ex) when (IsOutcomeUnknown(ex, cancellationToken))
            {
                resized = await InterrogateResizeAsync(existing.ReservationId, quantity, ex);
            }

            if (resized is not HoldGone)
            {
                return (resized, resizing);
            }

            await intents.SettleAsync(resizing);
        }

        var reserving = new HoldIntent(buyerId, skuId, sellerId, idempotencyKey, ReservationId: null);
        await intents.RecordAsync(reserving);
        try
        {
            return (await inventory.ReserveAsync(skuId, sellerId, quantity, _options.HoldTtl, buyerId, idempotencyKey, cancellationToken), reserving);
        }
        catch (Exception ex) when (IsOutcomeUnknown(ex, cancellationToken))
        {
            return (await InterrogateReserveAsync(reserving, ex), reserving);
        }
    }

    /// <summary>
    /// The reserve was sent but its answer is unknown (timeout, 5xx, the buyer hung up): Inventory may have committed
    /// the hold. Ask by the idempotency key: a hold it made is adopted; otherwise the key is released, so a request still
    /// in flight holds nothing. If Inventory cannot be asked either, the intent stays for <see cref="HoldReconciler"/>.
    /// </summary>
    private async Task<HoldResult> InterrogateReserveAsync(HoldIntent intent, Exception failure)
    {
        try
        {
            // Not the buyer's token: the answer must be found out even if the buyer has gone.
            var found = await inventory.FindByKeyAsync(intent.SkuId, intent.SellerId, intent.BuyerId, intent.IdempotencyKey, CancellationToken.None);
            if (found is { IsActive: true })
            {
                LogAdopted(intent.BuyerId, intent.SkuId, intent.SellerId, found.Id);
                return new Held(found.Id, found.ExpiresAt);
            }

            await inventory.ReleaseByKeyAsync(intent.SkuId, intent.SellerId, intent.BuyerId, intent.IdempotencyKey, CancellationToken.None);
            await intents.SettleAsync(intent);
        }
        catch (DependencyUnavailableException ex)
        {
            LogUnsettled(intent.BuyerId, intent.SkuId, intent.SellerId, ex.Message);
        }

        throw Rethrowable(failure);
    }

    /// <summary>A resize whose answer is unknown: adopted if the hold now has the quantity asked for, else left to the reconciler.</summary>
    private async Task<HoldResult> InterrogateResizeAsync(Guid reservationId, int quantity, Exception failure)
    {
        try
        {
            if (await inventory.FindAsync(reservationId, CancellationToken.None) is { IsActive: true } hold && hold.Quantity == quantity)
            {
                return new Held(hold.Id, hold.ExpiresAt);
            }
        }
        catch (DependencyUnavailableException ex)
        {
            LogUnsettled(Guid.Empty, Guid.Empty, Guid.Empty, ex.Message);
        }

        throw Rethrowable(failure);
    }

    private static bool IsOutcomeUnknown(Exception ex, CancellationToken cancellationToken) =>
        ex is DependencyUnavailableException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static Exception Rethrowable(Exception failure) =>
        failure is OperationCanceledException ? failure : new DependencyUnavailableException("Inventory", failure.Message, failure);

    /// <summary>Gives a hold back; if Inventory does not answer, the reconciler releases it later rather than the TTL.</summary>
    private async Task ReleaseOrDeferAsync(Guid buyerId, Guid skuId, Guid sellerId, Guid reservationId)
    {
        var intent = new HoldIntent(buyerId, skuId, sellerId, $"release:{reservationId:N}", reservationId);
        try
        {
            // Not the buyer's token: a release must finish even if the buyer hangs up.
            await inventory.ReleaseAsync(reservationId, CancellationToken.None);
        }
        catch (DependencyUnavailableException ex)
        {
            LogReleaseFailed(reservationId, ex.Message);
            await intents.RecordAsync(intent);
        }
    }

    [LoggerMessage(LogLevel.Information, "Reserve of buyer {BuyerId} for {SkuId}/{SellerId} lost its reply; adopted hold {ReservationId} found by its key")]
    private partial void LogAdopted(Guid buyerId, Guid skuId, Guid sellerId, Guid reservationId);

    [LoggerMessage(LogLevel.Warning, "Hold of buyer {BuyerId} for {SkuId}/{SellerId} is unsettled and left to the reconciler: {Reason}")]
    private partial void LogUnsettled(Guid buyerId, Guid skuId, Guid sellerId, string reason);

    [LoggerMessage(LogLevel.Debug, "Cart line {SkuId}/{SellerId} of buyer {BuyerId} changed concurrently; attempt {Attempt} starts again")]
    private partial void LogRetry(Guid buyerId, Guid skuId, Guid sellerId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Could not release reservation {ReservationId}; the reconciler will: {Reason}")]
    private partial void LogReleaseFailed(Guid reservationId, string reason);
}
