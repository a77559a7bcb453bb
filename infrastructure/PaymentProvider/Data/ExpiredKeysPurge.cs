using Npgsql;

namespace AspireShop.Infrastructure.PaymentProvider.Data;

/// <summary>Deletes idempotency keys past their 24 hours, so the table holds about a day of requests.</summary>
public sealed partial class ExpiredKeysPurge(NpgsqlDataSource dataSource, ILogger<ExpiredKeysPurge> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var command = dataSource.CreateCommand(
                        $"DELETE FROM idempotency_keys WHERE created_at <= now() - interval '{IdempotentRequests.Retention}'");
                    await command.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (NpgsqlException ex)
                {
                    LogPurgeFailed(ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(LogLevel.Warning, "Purging expired idempotency keys failed; retrying at the next interval")]
    private partial void LogPurgeFailed(Exception exception);
}
