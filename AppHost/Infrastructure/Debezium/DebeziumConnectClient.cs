using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;

namespace AspireShop.AppHost.Infrastructure.Debezium;

/// <summary>The two Kafka Connect REST calls registration needs; every failure is logged, never thrown, so the AppHost keeps running.</summary>
internal static partial class DebeziumConnectClient
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StatusPollInterval = TimeSpan.FromSeconds(2);

    /// <summary>PUT /connectors/{name}/config creates or updates, so a restarted AppHost re-applies the same config safely.</summary>
    public static async Task RegisterAsync(
        HttpClient http, ResiliencePipeline<HttpResponseMessage> retry, DebeziumConnector connector, string password, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await retry.ExecuteAsync(
                async token => await http.PutAsJsonAsync($"connectors/{connector.Name}/config", connector.Config, token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                LogRefused(logger, connector.Name, (int)response.StatusCode, Redact(body, password));
                return;
            }

            LogRegistered(logger, connector.Name, response.StatusCode == HttpStatusCode.Created ? "created" : "updated", connector.SlotName);
            await ReportStateAsync(http, connector, password, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogNotRegistered(logger, connector.Name, Redact(ex.Message, password));
        }
    }

    /// <summary>A 2xx only means Connect stored the config; the task can still fail (bad table, no slot left), so wait and say.</summary>
    private static async Task ReportStateAsync(HttpClient http, DebeziumConnector connector, string password, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StatusTimeout;
        var state = "UNASSIGNED";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync($"connectors/{connector.Name}/status", cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                var (current, failure) = Summarize(status.RootElement);
                if (failure is not null)
                {
                    LogFailed(logger, connector.Name, Redact(failure, password));
                    return;
                }

                if (current == "RUNNING")
                {
                    LogRunning(logger, connector.Name);
                    return;
                }

                state = current;
            }

            await Task.Delay(StatusPollInterval, cancellationToken).ConfigureAwait(false);
        }

        LogNotRunning(logger, connector.Name, state, StatusTimeout.TotalSeconds);
    }

    /// <summary>RUNNING only when the connector and all of its tasks are; a FAILED one yields its trace's first and root-cause lines.</summary>
    private static (string State, string? Failure) Summarize(JsonElement status)
    {
        var connector = status.GetProperty("connector");
        var tasks = status.TryGetProperty("tasks", out var list) ? list.EnumerateArray().ToList() : [];
        foreach (var part in tasks.Prepend(connector))
        {
            if (part.GetProperty("state").GetString() == "FAILED")
            {
                var trace = part.TryGetProperty("trace", out var text) ? text.GetString() ?? "" : "";
                var lines = trace.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var cause = lines.LastOrDefault(line => line.StartsWith("Caused by:", StringComparison.Ordinal));
                return ("FAILED", string.Join(" … ", new[] { lines.FirstOrDefault() ?? "no trace", cause }.OfType<string>()));
            }
        }

        var running = connector.GetProperty("state").GetString() == "RUNNING" && tasks.Count > 0
            && tasks.All(task => task.GetProperty("state").GetString() == "RUNNING");
        return (running ? "RUNNING" : connector.GetProperty("state").GetString() ?? "UNKNOWN", null);
    }

    private static string Redact(string text, string password) => text.Replace(password, "***", StringComparison.Ordinal);

    [LoggerMessage(LogLevel.Error, "Debezium connector {Connector} was refused ({Status}): {Body}")]
    private static partial void LogRefused(ILogger logger, string connector, int status, string body);

    [LoggerMessage(LogLevel.Information, "Debezium connector {Connector} {Outcome} (slot {Slot}).")]
    private static partial void LogRegistered(ILogger logger, string connector, string outcome, string slot);

    [LoggerMessage(LogLevel.Error, "Debezium connector {Connector} could not be registered: {Error}")]
    private static partial void LogNotRegistered(ILogger logger, string connector, string error);

    [LoggerMessage(LogLevel.Error, "Debezium connector {Connector} failed: {Failure}")]
    private static partial void LogFailed(ILogger logger, string connector, string failure);

    [LoggerMessage(LogLevel.Information, "Debezium connector {Connector} is running.")]
    private static partial void LogRunning(ILogger logger, string connector);

    [LoggerMessage(LogLevel.Warning, "Debezium connector {Connector} is {State} after {Seconds} s; see GET /connectors/<name>/status on the debezium endpoint.")]
    private static partial void LogNotRunning(ILogger logger, string connector, string state, double seconds);
}
