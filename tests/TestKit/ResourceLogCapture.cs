using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.TestKit;

/// <summary>
/// Without the dashboard, resource logs reach no console, so a failing resource looks like a hang. This keeps each
/// resource's recent lines (and writes them to a file) so a failure message can say what the process printed.
/// </summary>
public sealed class ResourceLogCapture
{
    private const int LinesKept = 200;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _lines = new();
    private readonly string _directory;

    private ResourceLogCapture(string directory) => _directory = directory;

    public static ResourceLogCapture Start(DistributedApplication app, string directory, CancellationToken stopping)
    {
        Directory.CreateDirectory(directory);
        var capture = new ResourceLogCapture(directory);
        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();

        // Logs are keyed by instance id (e.g. postgres-abcd1234), which exists only once DCP created the instance.
        _ = Task.Run(async () =>
        {
            var followed = new HashSet<string>();
            try
            {
                await foreach (var update in notifications.WatchAsync(stopping))
                {
                    if (followed.Add(update.ResourceId))
                    {
                        _ = Task.Run(() => capture.FollowAsync(loggers, update.Resource.Name, update.ResourceId, stopping), stopping);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, stopping);

        return capture;
    }

    public string Recent(string resource, int lines = 40) =>
        _lines.TryGetValue(resource, out var queue) ? string.Join('\n', queue.TakeLast(lines)) : "(no output)";

    private async Task FollowAsync(ResourceLoggerService loggers, string resource, string resourceId, CancellationToken stopping)
    {
        var queue = _lines.GetOrAdd(resource, _ => new ConcurrentQueue<string>());
        try
        {
            await using var file = new StreamWriter(Path.Combine(_directory, $"{resourceId}.log"), append: true) { AutoFlush = true };
            await foreach (var batch in loggers.WatchAsync(resourceId).WithCancellation(stopping))
            {
                foreach (var line in batch)
                {
                    var text = $"{(line.IsErrorMessage ? "ERR " : "")}{line.Content}";
                    queue.Enqueue(text);
                    while (queue.Count > LinesKept && queue.TryDequeue(out _))
                    {
                    }

                    await file.WriteLineAsync(text);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
