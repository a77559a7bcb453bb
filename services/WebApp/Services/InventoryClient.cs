using System.Net;

namespace AspireShop.WebApp.Services;

/// <summary>Inventory's public availability through the gateway: units a seller can still sell of a SKU.</summary>
public sealed class InventoryClient(HttpClient http)
{
    /// <summary>Units available; 0 when Inventory holds no stock row for the offer (404).</summary>
    public async Task<int> GetAvailableAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"api/inventory/availability/{skuId}/{sellerId}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return 0;
        }

        var availability = await response.ReadJsonAsync<AvailabilityReply>(cancellationToken);
        return Math.Max(0, availability.Available);
    }

    private sealed record AvailabilityReply(Guid SkuId, Guid SellerId, int Available, long Version);
}
