using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The payment provider stand-in (self-hosted only) as the order benches use it: the fault switch (replaced whole on
/// every PUT, so the latency goes with each one), its traffic counters and its ledger, the source of truth for what
/// was charged.
/// </summary>
public sealed class ChaosProvider(HttpClient client, string apiKey)
{
    public static async Task<ChaosProvider> CreateAsync(BenchContext context, PlatformFixture platform, CancellationToken cancellationToken)
    {
        var parameter = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>().Single(p => p.Name == "payment-provider-api-key");
        var key = await parameter.GetValueAsync(cancellationToken)
            ?? throw new InvalidOperationException("The AppHost parameter payment-provider-api-key has no value.");
        return new ChaosProvider(context.CreateClient("payment-provider"), key);
    }

    /// <summary>A fault <paramref name="mode"/> for the next <paramref name="count"/> POSTs it acts on (null mode: none).</summary>
    public Task<JsonObject> SetFaultsAsync(string? mode, int? count, int latencyMs, CancellationToken cancellationToken) =>
        SendAsync(
            HttpMethod.Put,
            "v1/test/faults",
            new JsonObject { ["mode"] = mode ?? "none", ["count"] = count, ["latency_ms"] = latencyMs, ["retry_after_s"] = 1 },
            cancellationToken);

    public Task<JsonObject> FaultsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "v1/test/faults", null, cancellationToken);

    /// <summary>Payment API calls since the provider started (or the last reset): a restart starts it from zero.</summary>
    public async Task<long> RequestsAsync(CancellationToken cancellationToken) => (await StatsAsync(cancellationToken))["requests"]!.GetValue<long>();

    /// <summary><c>requests</c>, <c>in_flight</c> and <c>max_in_flight</c> of the payment API since the start or the last reset.</summary>
    public Task<JsonObject> StatsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "v1/test/stats", null, cancellationToken);

    /// <summary>The traffic counters from zero; returns them as they are right after.</summary>
    public Task<JsonObject> ResetStatsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Delete, "v1/test/stats", null, cancellationToken);

    /// <summary>Every captured charge and every refund, as the provider recorded them.</summary>
    public async Task<ProviderLedger> LedgerAsync(CancellationToken cancellationToken)
    {
        var ledger = await SendAsync(HttpMethod.Get, "v1/ledger", null, cancellationToken);
        static List<LedgerEntry> Entries(JsonNode? entries) =>
            [.. entries!.AsArray().Select(e => new LedgerEntry(e?["order_reference"]?.GetValue<string>() ?? "", e!["amount"]!.GetValue<long>(), e["created"]!.GetValue<long>()))];
        return new ProviderLedger(Entries(ledger["charges"]), Entries(ledger["refunds"]));
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = BenchIdentity.Authorized(method, path, apiKey, body is null ? null : JsonContent.Create(body));
        using var response = await client.SendAsync(request, cancellationToken);
        await DemoCatalog.EnsureSuccessAsync(response, $"Provider {method} {path}", cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken) ?? throw new JsonException($"Provider {method} {path}: no body");
    }
}

/// <summary>One capture or refund: its order reference ("" when it has none), minor units, created in unix seconds.</summary>
public sealed record LedgerEntry(string Reference, long Amount, long Created);

/// <summary>The provider's ledger, totalled per order reference (the order id) for the money checks.</summary>
public sealed class ProviderLedger(IReadOnlyList<LedgerEntry> charges, IReadOnlyList<LedgerEntry> refunds)
{
    private readonly Dictionary<string, (int Count, long Amount)> _captured = charges
        .GroupBy(c => c.Reference, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => (g.Count(), g.Sum(c => c.Amount)), StringComparer.Ordinal);

    private readonly Dictionary<string, long> _refunded = refunds
        .GroupBy(r => r.Reference, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Sum(r => r.Amount), StringComparer.Ordinal);

    public IReadOnlyList<LedgerEntry> Charges => charges;

    public IReadOnlyList<LedgerEntry> Refunds => refunds;

    /// <summary>Captures per order reference: more than one for an order is a double charge.</summary>
    public IReadOnlyDictionary<string, (int Count, long Amount)> CapturedByReference => _captured;

    public (int Count, long Amount) Captured(string reference) => _captured.GetValueOrDefault(reference);

    public long Refunded(string reference) => _refunded.GetValueOrDefault(reference);

    /// <summary>Captured and not given back in full: money the buyer is still out of for that order.</summary>
    public bool HoldsMoney(string reference) => Captured(reference).Amount > Refunded(reference);
}
