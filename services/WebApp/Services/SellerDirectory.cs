using Microsoft.Extensions.Caching.Memory;

namespace AspireShop.WebApp.Services;

/// <summary>
/// Sellers' public names (Seller's <c>/api/sellers/{id}/public</c>), remembered for a while: a name changes rarely and
/// every product page shows several. When Seller cannot answer, the short id still tells the offers apart.
/// </summary>
public sealed partial class SellerDirectory(HttpClient http, IMemoryCache cache, ILogger<SellerDirectory> logger)
{
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Unknown = TimeSpan.FromMinutes(1);

    public async Task<string> NameAsync(Guid sellerId, CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(("seller-name", sellerId), out string? known) && known is not null)
        {
            return known;
        }

        try
        {
            using var response = await http.GetAsync($"api/sellers/{sellerId}/public", cancellationToken);
            if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<SellerPublicProfile>(cancellationToken) is { } profile)
            {
                return cache.Set(("seller-name", sellerId), profile.BusinessName, Remembered);
            }

            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // A seller Seller does not know (a catalog seeded without profiles) is asked about again only now and then.
                return cache.Set(("seller-name", sellerId), Fallback(sellerId), Unknown);
            }
        }
        catch (Exception ex) when (ApiProblem.IsUnavailable(ex))
        {
            LogNameUnavailable(logger, sellerId, ex);
        }

        return Fallback(sellerId);
    }

    public static string Fallback(Guid sellerId) => $"Seller {sellerId.ToString()[..8]}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The name of seller {SellerId} is unavailable; showing its short id")]
    private static partial void LogNameUnavailable(ILogger logger, Guid sellerId, Exception exception);

    private sealed record SellerPublicProfile(Guid SellerId, string BusinessName);
}
