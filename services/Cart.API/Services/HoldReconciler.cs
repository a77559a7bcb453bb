using AspireShop.BuildingBlocks.Workers;
using AspireShop.Cart.API.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Cart.API.Services;

/// <summary>
/// Settles holds whose request never settled them (reply lost, Inventory down during the undo, the cart process
/// killed between hold and line): asks Inventory what it holds for the intent, then keeps the hold if the buyer's
/// line references it (at the line's quantity) and releases it otherwise. Runs on every cart instance; settling the
/// same intent twice is harmless, because every step is idempotent.
/// </summary>
public sealed partial class HoldReconciler(
    HoldIntents intents,
    CartStore store,
    InventoryClient inventory,
    IOptions<CartOptions> options,
    TimeProvider clock,
    ILoggerFactory loggers,
    ILogger<HoldReconciler> logger) : PeriodicWorker(nameof(HoldReconciler), clock, loggers)
{
    protected override TimeSpan Interval => options.Value.HoldReconciler.Interval;

    protected override int BatchSize => options.Value.HoldReconciler.BatchSize;

    /// <summary>One round: settles the oldest intents past <c>Cart:HoldReconciler:After</c>; returns how many.</summary>
    protected override async Task<int> RunRoundAsync(CancellationToken cancellationToken)
    {
        var due = await intents.OlderThanAsync(options.Value.HoldReconciler.After, BatchSize);
        foreach (var intent in due)
        {
            await SettleAsync(intent, cancellationToken);
        }

        return due.Count;
    }

    public async Task SettleAsync(HoldIntent intent, CancellationToken cancellationToken)
    {
        var hold = intent.ReservationId is { } id
            ? await inventory.FindAsync(id, cancellationToken)
            : await inventory.FindByKeyAsync(intent.SkuId, intent.SellerId, intent.BuyerId, intent.IdempotencyKey, cancellationToken);
        var line = (await store.GetLineAsync(intent.BuyerId, intent.SkuId, intent.SellerId))?.Line;
        if (hold is { IsActive: true } && line?.ReservationId == hold.Id)
        {
            if (hold.Quantity != line.Quantity)
            {
                // A resize whose reply was lost: the line is what the buyer was told, so the hold follows it.
                await inventory.ResizeAsync(hold.Id, line.Quantity, options.Value.HoldTtl, $"reconcile:{hold.Id:N}:{line.Version}", cancellationToken);
            }
        }
        else if (intent.ReservationId is null)
        {
            // By key: releases the hold, or fences the key if none was made, so a late arrival holds nothing either.
            await inventory.ReleaseByKeyAsync(intent.SkuId, intent.SellerId, intent.BuyerId, intent.IdempotencyKey, cancellationToken);
            LogReleased(intent.BuyerId, intent.SkuId, intent.SellerId);
        }
        else if (hold is { IsActive: true })
        {
            await inventory.ReleaseAsync(hold.Id, cancellationToken);
            LogReleased(intent.BuyerId, intent.SkuId, intent.SellerId);
        }

        await intents.SettleAsync(intent);
    }

    [LoggerMessage(LogLevel.Information, "Released a hold of buyer {BuyerId} for {SkuId}/{SellerId} that no cart line references")]
    private partial void LogReleased(Guid buyerId, Guid skuId, Guid sellerId);
}
