using AspireShop.Inventory.API.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Inventory.API.Services;

/// <summary>
/// The guarantee behind reservation TTLs: every <c>Inventory:Reservations:SweepInterval</c> it releases all due holds
/// in <c>FOR UPDATE SKIP LOCKED</c> batches, whatever Redis did or did not announce.
/// </summary>
public sealed partial class ReservationSweeper(IServiceScopeFactory scopes, IOptions<InventoryOptions> options, ILogger<ReservationSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Reservations;
        using var timer = new PeriodicTimer(settings.SweepInterval);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var reservations = scope.ServiceProvider.GetRequiredService<Reservations>();
                // A full batch means more may be due: keep going before waiting for the next tick.
                while (await reservations.ExpireDueAsync(null, settings.SweepBatchSize, stoppingToken) == settings.SweepBatchSize)
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Reservation sweep failed; retrying at the next interval")]
    private partial void LogSweepFailed(Exception exception);
}
