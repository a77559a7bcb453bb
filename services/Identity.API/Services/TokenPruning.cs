using AspireShop.BuildingBlocks.Workers;
using OpenIddict.Abstractions;

namespace AspireShop.Identity.API.Services;

/// <summary>
/// Every issued token leaves a row in OpenIddictTokens (that is what makes refresh tokens revocable), so expired and
/// revoked rows are deleted hourly or the table grows with every sign-in. Safe on several instances at once.
/// </summary>
public sealed partial class TokenPruning(IServiceScopeFactory scopes, TimeProvider time, ILoggerFactory loggers, ILogger<TokenPruning> logger)
    : PeriodicWorker(nameof(TokenPruning), time, loggers)
{
    // Rows younger than this stay, even when invalid: recent ones help when looking into a refresh-token reuse.
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);

    protected override TimeSpan Interval { get; } = TimeSpan.FromHours(1);

    // PruneAsync deletes everything due in one call (in its own batches), so a round never has to run again at once.
    protected override int BatchSize => int.MaxValue;

    protected override async Task<int> RunRoundAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var threshold = Clock.GetUtcNow() - KeepFor;
        var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
        var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
        LogPruned(tokens, authorizations);
        return (int)Math.Min(tokens + authorizations, int.MaxValue);
    }

    [LoggerMessage(LogLevel.Information, "Pruned {Tokens} tokens and {Authorizations} authorizations")]
    private partial void LogPruned(long tokens, long authorizations);
}
