using AspireShop.Search.API.Data;
using Npgsql;

namespace AspireShop.Search.API.Indexing;

/// <summary>
/// Before the consumers start: creates the mirror tables and the index. Then, in the background: redoes index writes
/// the index lost (Lucene commits once a second, so a crash can lose the last second of writes the mirror kept).
/// </summary>
public sealed partial class IndexStartup(NpgsqlDataSource database, MirrorStore mirror, ISearchIndex index, ILogger<IndexStartup> logger)
    : BackgroundService
{
    private const int PageSize = 1000;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await SearchSchema.EnsureCreatedAsync(database, cancellationToken);
        await index.InitializeAsync(cancellationToken);
        if (await mirror.CountDocumentsAsync(cancellationToken) == 0 && await index.CountAsync(cancellationToken) > 0)
        {
            // A fresh searchdb with an old index: its versions would outrank the new ones and hide every change.
            LogClearingOrphanIndex();
            await index.ClearAsync(cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long redone = 0;
        await foreach (var page in mirror.ReadVersionsAsync(PageSize, stoppingToken))
        {
            var behind = await index.FindBehindAsync(page, stoppingToken);
            if (behind.Count > 0)
            {
                await index.WriteAsync(await mirror.LoadAsync(behind, stoppingToken), stoppingToken);
                redone += behind.Count;
            }
        }

        if (redone > 0)
        {
            LogCaughtUp(redone);
        }
    }

    [LoggerMessage(LogLevel.Warning, "The search mirror is empty but the index is not; clearing the index")]
    private partial void LogClearingOrphanIndex();

    [LoggerMessage(LogLevel.Information, "Rewrote {Count} documents the index had lost since its last commit")]
    private partial void LogCaughtUp(long count);
}
