using System.Net;
using System.Net.Http.Json;

namespace AspireShop.TestKit;

/// <summary>
/// Sets stock of an offer as its seller (or an admin) does, once Catalog's change event has told Inventory about the
/// offer: Inventory answers 404 until then, so a test or bench that has just created the offer waits for it here.
/// </summary>
public static class OfferedStock
{
    /// <summary>PUTs <paramref name="onHand"/> until it is taken; <paramref name="authorize"/> adds credentials to each attempt, for a client that has none of its own.</summary>
    public static async Task SetAsync(
        HttpClient client, Guid skuId, Guid sellerId, int onHand, Action<HttpRequestMessage>? authorize = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"api/inventory/stock/{skuId}/{sellerId}") { Content = JsonContent.Create(new { onHand }) };
            authorize?.Invoke(request);
            using var response = await client.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            // Not yet offered (404), or a gateway's write budget spent (429): both pass; anything else is the answer.
            var wait = response.StatusCode switch
            {
                HttpStatusCode.NotFound => TimeSpan.FromMilliseconds(100),
                HttpStatusCode.TooManyRequests => response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1),
                _ => (TimeSpan?)null,
            };
            if (wait is null || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"Setting stock of {skuId}/{sellerId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            await Task.Delay(wait.Value, cancellationToken);
        }
    }
}
