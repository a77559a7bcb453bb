using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using AspireShop.Infrastructure.PaymentProvider.Apis;
using AspireShop.Infrastructure.PaymentProvider.Extensions;
using AspireShop.Infrastructure.PaymentProvider.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireShop.Infrastructure.PaymentProvider.Webhooks;

/// <summary>
/// Delivers stored events to <c>PaymentProvider:WebhookUrl</c>, at least once and in no promised order, as real
/// providers do: each batch is leased with <c>FOR UPDATE SKIP LOCKED</c> (so instances share the work and a crash
/// mid-send only delays an event), an event is marked delivered on a 2xx, and anything else is retried with
/// exponential backoff. A commit announces itself (<see cref="Notify"/>); the poll catches retries and late events.
/// </summary>
public sealed partial class WebhookSender(
    NpgsqlDataSource dataSource, IHttpClientFactory clients, Faults faults, IOptions<ProviderOptions> options, TimeProvider clock, ILogger<WebhookSender> logger)
    : BackgroundService
{
    public const string ClientName = "webhooks";

    private const int BatchSize = 50;

    // Longer than the client's timeout: an event is not sent twice at once unless an instance died mid-send.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Something was committed: look for events now rather than at the next poll.</summary>
    public void Notify() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.WebhookUrl is not { } url)
        {
            LogNoWebhookUrl();
            return;
        }

        var client = clients.CreateClient(ClientName);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var claimed = 0;
                try
                {
                    var mode = faults.Webhooks;
                    if (mode != WebhookMode.Off)
                    {
                        var batch = await ClaimAsync(mode == WebhookMode.Late ? settings.LateWebhookDelay : TimeSpan.Zero, stoppingToken);
                        claimed = batch.Count;
                        await Task.WhenAll(batch.Select(e => DeliverAsync(client, url, settings, e, mode == WebhookMode.Duplicate, stoppingToken)));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSendFailed(ex);
                }

                // A full batch means more may be waiting.
                if (claimed < BatchSize)
                {
                    await WaitAsync(settings.WebhookPollInterval, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WaitAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(interval);
        try
        {
            await _wake.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<List<(string Id, string Payload, int Attempts)>> ClaimAsync(TimeSpan minimumAge, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE webhook_events SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
            WHERE id IN (
                SELECT id FROM webhook_events
                WHERE delivered_at IS NULL AND next_attempt_at <= now() AND created_at <= now() - make_interval(secs => $1)
                ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING id, payload, attempts
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = minimumAge.TotalSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = Lease.TotalSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = BatchSize });
        var batch = new List<(string, string, int)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            batch.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return batch;
    }

    private async Task DeliverAsync(
        HttpClient client, Uri url, ProviderOptions settings, (string Id, string Payload, int Attempts) evt, bool duplicate, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(evt.Payload);
        var error = await PostAsync(client, url, settings.WebhookSecret, body, cancellationToken);
        if (error is null && duplicate)
        {
            // The copy's fate does not matter: the receiver already has the event once.
            await PostAsync(client, url, settings.WebhookSecret, body, cancellationToken);
        }

        if (error is null)
        {
            await using var delivered = dataSource.CreateCommand("UPDATE webhook_events SET delivered_at = now(), last_error = NULL WHERE id = $1");
            delivered.Parameters.Add(new NpgsqlParameter { Value = evt.Id });
            await delivered.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        var backoff = Math.Min(settings.WebhookMaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(evt.Attempts - 1, 20)));
        // Jitter, so a receiver back from an outage is not hit by every pending event in the same instant.
        backoff *= 0.5 + (Random.Shared.NextDouble() / 2);
        LogDeliveryFailed(evt.Id, evt.Attempts, error, backoff);
        await using var retry = dataSource.CreateCommand("UPDATE webhook_events SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1");
        retry.Parameters.Add(new NpgsqlParameter { Value = evt.Id });
        retry.Parameters.Add(new NpgsqlParameter { Value = backoff });
        retry.Parameters.Add(new NpgsqlParameter { Value = error });
        await retry.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Null when the receiver answered 2xx; otherwise what went wrong.</summary>
    private async Task<string?> PostAsync(HttpClient client, Uri url, string secret, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Create(secret, clock.GetUtcNow().ToUnixTimeSeconds(), body));
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "timed out";
        }
    }

    [LoggerMessage(LogLevel.Information, "PaymentProvider:WebhookUrl is not set: events are stored, not sent")]
    private partial void LogNoWebhookUrl();

    [LoggerMessage(LogLevel.Warning, "Webhook event {EventId} not delivered (attempt {Attempt}: {Error}); next attempt in {BackoffSeconds:0.0} s")]
    private partial void LogDeliveryFailed(string eventId, int attempt, string error, double backoffSeconds);

    [LoggerMessage(LogLevel.Warning, "Sending webhook events failed; retrying at the next poll")]
    private partial void LogSendFailed(Exception exception);
}
