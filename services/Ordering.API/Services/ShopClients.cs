using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Ordering.API.Services;

public sealed record CartLine(Guid SkuId, Guid SellerId, int Quantity, Guid? ReservationId);

/// <summary>
/// Reads the buyer's own cart with the buyer's own token: Cart decides whose cart it is from the token, so Ordering
/// cannot read anybody else's by mistake.
/// </summary>
public sealed class CartClient(HttpClient http)
{
    public async Task<IReadOnlyList<CartLine>> GetLinesAsync(string bearerToken, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/cart");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new DependencyUnavailableException("Cart", $"HTTP {(int)response.StatusCode}");
            }

            var cart = await response.Content.ReadFromJsonAsync<CartBody>(cancellationToken)
                ?? throw new DependencyUnavailableException("Cart", "empty cart body");
            return cart.Lines;
        }
        catch (Exception ex) when (DependencyUnavailableException.IsUnavailable(ex, cancellationToken))
        {
            throw new DependencyUnavailableException("Cart", ex.Message, ex);
        }
    }

    private sealed record CartBody(IReadOnlyList<CartLine> Lines);
}

public sealed record CatalogOffer(Guid SkuId, Guid SellerId, Guid ProductId, string ProductTitle, string SkuCode, decimal Price, string Currency);

/// <summary>
/// Prices a line from Catalog's public offer look-up: the only price an order ever carries. Checkouts of the same offer
/// at the same moment (a sell-out is a crowd on one offer) share the look-up in flight instead of each sending one;
/// nothing is kept once it returns, so an order is priced by a look-up no older than one round trip to Catalog.
/// </summary>
public sealed class CatalogClient(IHttpClientFactory httpClients)
{
    public const string HttpClientName = "catalog";

    private readonly ConcurrentDictionary<(Guid SkuId, Guid SellerId), Lazy<Task<CatalogOffer?>>> _inFlight = new();

    /// <summary>The offer, or null when Catalog no longer has it.</summary>
    public Task<CatalogOffer?> GetOfferAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken)
    {
        var key = (skuId, sellerId);
        var lookup = _inFlight.GetOrAdd(key, static (k, self) => new Lazy<Task<CatalogOffer?>>(() => self.FetchAsync(k.SkuId, k.SellerId)), this);
        var task = lookup.Value;
        _ = task.ContinueWith(_ => _inFlight.TryRemove(KeyValuePair.Create(key, lookup)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task.WaitAsync(cancellationToken);
    }

    // Not one buyer's cancellation: the look-up serves everyone waiting for it; the resilience pipeline bounds it.
    private async Task<CatalogOffer?> FetchAsync(Guid skuId, Guid sellerId)
    {
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).GetAsync($"api/catalog/skus/{skuId}/offers/{sellerId}");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new DependencyUnavailableException("Catalog", $"HTTP {(int)response.StatusCode}");
            }

            return await response.Content.ReadFromJsonAsync<CatalogOffer>()
                ?? throw new DependencyUnavailableException("Catalog", "empty offer");
        }
        catch (Exception ex) when (DependencyUnavailableException.IsUnavailable(ex, CancellationToken.None))
        {
            throw new DependencyUnavailableException("Catalog", ex.Message, ex);
        }
    }
}
