using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AspireShop.Payment.Tests;

/// <summary>One webhook as it arrived: the raw body, its signature header and when.</summary>
public sealed record ReceivedWebhook(string Body, string? Signature, DateTimeOffset ReceivedAt)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string EventId => Json.GetProperty("id").GetString()!;

    public string Type => Json.GetProperty("type").GetString()!;

    public string ObjectId => Json.GetProperty("data").GetProperty("object").GetProperty("id").GetString()!;
}

/// <summary>
/// A real HTTP endpoint (Kestrel on 127.0.0.1, any free port) the provider posts its webhooks to; it can refuse the
/// first attempts with 500, as a receiver that is down would.
/// </summary>
public sealed class ProviderWebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;

    private ProviderWebhookReceiver(WebApplication app, int failFirst)
    {
        _app = app;
        _failuresLeft = failFirst;
    }

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>Attempts answered 500 (not in <see cref="Received"/>).</summary>
    public ConcurrentQueue<ReceivedWebhook> Refused { get; } = new();

    public Uri Url { get; private set; } = null!;

    public static async Task<ProviderWebhookReceiver> StartAsync(int failFirst = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new ProviderWebhookReceiver(app, failFirst);
        app.MapPost("/webhooks", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var webhook = new ReceivedWebhook(await reader.ReadToEndAsync(), request.Headers["Stripe-Signature"].FirstOrDefault(), DateTimeOffset.UtcNow);
            if (Interlocked.Decrement(ref receiver._failuresLeft) >= 0)
            {
                receiver.Refused.Enqueue(webhook);
                return Results.StatusCode(StatusCodes.Status500InternalServerError);
            }

            receiver.Received.Enqueue(webhook);
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = new Uri(new Uri(app.Urls.Single()), "/webhooks");
        return receiver;
    }

    /// <summary>Whether the header is <c>t=…,v1=…</c> with v1 the lowercase hex HMAC-SHA256 of "t.body" under <paramref name="secret"/>.</summary>
    public static bool IsSignedWith(ReceivedWebhook webhook, string secret, out long timestamp)
    {
        timestamp = 0;
        var parts = (webhook.Signature ?? "").Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1) || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
        {
            return false;
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{webhook.Body}")));
        return v1 == expected;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
