using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AspireShop.Catalog.API.Services;

/// <summary>Inventory's answer for one offer (<c>GET /api/inventory/availability/{skuId}/{sellerId}</c>).</summary>
public sealed record InventoryAvailability(int Available, long Version);

/// <summary>
/// Asks Inventory for the availability Redis does not know yet. Behind the standard resilience handler (short
/// timeouts, circuit breaker: see <see cref="InventoryOptions"/> and <c>DownstreamOptions</c>); every failure is an answer of "don't know".
/// </summary>
public sealed partial class InventoryClient(HttpClient http, CatalogMetrics metrics, ILogger<InventoryClient> logger)
{
    public async Task<StockLevel?> TryGetAvailabilityAsync(OfferKey offer, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync($"api/inventory/availability/{offer.SkuId}/{offer.SellerId}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                metrics.InventoryCalled($"http_{(int)response.StatusCode}");
                return null;
            }

            var body = await response.Content.ReadFromJsonAsync<InventoryAvailability>(cancellationToken);
            metrics.InventoryCalled("ok");
            return body is null || body.Version < 0 ? null : new StockLevel(body.Available, body.Version);
        }
        catch (BrokenCircuitException)
        {
            metrics.InventoryCalled("circuit_open");
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or JsonException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            metrics.InventoryCalled("failed");
            LogFailed(offer.SkuId, offer.SellerId, ex.Message);
            return null;
        }
    }

    [LoggerMessage(LogLevel.Debug, "Inventory did not answer for SKU {SkuId} / seller {SellerId}: {Reason}")]
    private partial void LogFailed(Guid skuId, Guid sellerId, string reason);
}

/// <summary>
/// <c>Catalog:Inventory</c>: where Inventory is; the same section holds the client's <c>DownstreamOptions</c>. The page
/// must answer even when Inventory is slow or down, so timeouts are short and the breaker stops calls to a failing one.
/// </summary>
public sealed class InventoryOptions
{
    public const string Section = "Catalog:Inventory";

    /// <summary>Resolved by service discovery (<c>services:inventory:http:0</c>).</summary>
    public Uri BaseAddress { get; set; } = new("http://inventory");
}
