using AspireShop.BuildingBlocks.Workers;
using AspireShop.Inventory.API.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Inventory.API.Services;

/// <summary>
/// The guarantee behind reservation TTLs: every <c>Inventory:Reservations:SweepInterval</c> it releases all due holds
/// in <c>FOR UPDATE SKIP LOCKED</c> batches, whatever Redis did or did not announce.
/// </summary>
public sealed class ReservationSweeper(IServiceScopeFactory scopes, IOptions<InventoryOptions> options, TimeProvider clock, ILoggerFactory loggers)
    : PeriodicWorker(nameof(ReservationSweeper), clock, loggers)
{
    protected override TimeSpan Interval => options.Value.Reservations.SweepInterval;

    protected override int BatchSize => options.Value.Reservations.SweepBatchSize;

    protected override async Task<int> RunRoundAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Reservations>().ExpireDueAsync(null, BatchSize, cancellationToken);
    }
}
