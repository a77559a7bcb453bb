using OpenIddict.Abstractions;

namespace AspireShop.Identity.API.Services;

/// <summary>
/// Every issued token leaves a row in OpenIddictTokens (that is what makes refresh tokens revocable), so expired and
/// revoked rows are deleted hourly or the table grows with every sign-in. Safe on several instances at once.
/// </summary>
public sealed partial class TokenPruning(IServiceScopeFactory scopes, TimeProvider time, ILogger<TokenPruning> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    // Rows younger than this stay, even when invalid: recent ones help when looking into a refresh-token reuse.
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var threshold = time.GetUtcNow() - KeepFor;
                var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, stoppingToken);
                var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, stoppingToken);
                LogPruned(tokens, authorizations);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPruningFailed(ex, Interval);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Pruned {Tokens} tokens and {Authorizations} authorizations")]
    private partial void LogPruned(long tokens, long authorizations);

    [LoggerMessage(LogLevel.Warning, "Pruning tokens failed; retrying in {Interval}")]
    private partial void LogPruningFailed(Exception error, TimeSpan interval);
}
