using System.Net;
using AspireShop.Cart.API.Domain;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Cart.API.Services;

/// <summary>Prices a line from Catalog's public offer look-up; anonymous, as a shopper sees the product page.</summary>
public sealed class CatalogClient(HttpClient http)
{
    /// <summary>The offer, or null when Catalog has no such offer; throws <see cref="DependencyUnavailableException"/>.</summary>
    public async Task<Offer?> GetOfferAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync($"api/catalog/skus/{skuId}/offers/{sellerId}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new DependencyUnavailableException("Catalog", $"HTTP {(int)response.StatusCode}");
            }

            return await response.Content.ReadFromJsonAsync<Offer>(cancellationToken)
                ?? throw new DependencyUnavailableException("Catalog", "empty offer");
        }
        catch (Exception ex) when (DependencyUnavailableException.IsUnavailable(ex, cancellationToken))
        {
            throw new DependencyUnavailableException("Catalog", ex.Message, ex);
        }
    }
}
