using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;

namespace AspireShop.Bench.Scenarios;

/// <summary>What the order benches (checkout, chaos) share: their offers, their buyers and how they tally what they saw.</summary>
public static class OrderBench
{
    /// <summary>The test card the provider stand-in always captures: a failed order is then the bench's fault or a fault's.</summary>
    public const string Card = "4242424242424242";

    /// <summary>
    /// <paramref name="products"/> products of demo seller A, each SKU offered by seller B too, with
    /// <paramref name="stockPerOffer"/> units for both; titled "<paramref name="prefix"/>…" so each run's are its own.
    /// </summary>
    /// <returns>Every offer (two per product), ordered by SKU then seller.</returns>
    public static async Task<IReadOnlyList<(Guid SkuId, Guid SellerId)>> CreateOffersAsync(
        BenchContext context, HttpClient gateway, string prefix, int products, int stockPerOffer, CancellationToken cancellationToken)
    {
        var word = $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 8)];
        var title = char.ToUpperInvariant(prefix[0]) + prefix[1..];
        var sellerA = await context.Identity.TokenAsync(PlatformIdentity.DemoSellerA, PlatformIdentity.DemoPassword, cancellationToken);
        var sellerB = await context.Identity.TokenAsync(PlatformIdentity.DemoSellerB, PlatformIdentity.DemoPassword, cancellationToken);
        var offers = new ConcurrentBag<(Guid, Guid)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, products), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var skuId = await DemoCatalog.NewOfferAsync(gateway, sellerA, $"{title} {word} {i}", ct);
            using var offer = await BenchIdentity.SendAsync(
                gateway,
                () => BenchIdentity.Authorized(HttpMethod.Put, $"api/catalog/skus/{skuId}/offers/{PlatformIdentity.DemoSellerBId}", sellerB, JsonContent.Create(new { price = 17.50m, currency = "USD" })),
                ct);
            await DemoCatalog.EnsureSuccessAsync(offer, "Offering the SKU as seller B", ct);
            await DemoCatalog.SetStockAsync(gateway, sellerA, skuId, PlatformIdentity.DemoSellerAId, stockPerOffer, ct);
            await DemoCatalog.SetStockAsync(gateway, sellerB, skuId, PlatformIdentity.DemoSellerBId, stockPerOffer, ct);
            offers.Add((skuId, PlatformIdentity.DemoSellerAId));
            offers.Add((skuId, PlatformIdentity.DemoSellerBId));
        });
        return [.. offers.OrderBy(o => o.Item1).ThenBy(o => o.Item2)];
    }

    /// <summary>Buyers registered and signed in before the load; each one's id is its token's subject (Ordering scopes keys by it).</summary>
    public static async Task<IReadOnlyList<CheckoutBuyer>> RegisterBuyersAsync(BenchContext context, int count, CancellationToken cancellationToken)
    {
        var registered = await context.Identity.RegisterBuyersAsync(count, cancellationToken);
        var buyers = new List<CheckoutBuyer>();
        foreach (var (email, password) in registered)
        {
            var token = await context.Identity.TokenAsync(email, password, cancellationToken);
            var claims = JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!;
            buyers.Add(new CheckoutBuyer(email, Guid.Parse(claims["sub"]!.GetValue<string>())));
        }

        return buyers;
    }

    /// <summary>The order id of a 202's body; null for any other body.</summary>
    public static Guid? OrderId(string? body)
    {
        try
        {
            return body is null ? null : JsonNode.Parse(body)?["id"]?.GetValue<Guid>();
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Counts by kind as a JSON object, keys sorted so two runs' files compare line by line.</summary>
    public static JsonObject Counts(IEnumerable<KeyValuePair<string, long>> counts) =>
        new(counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));

    /// <summary>How many of each, by <paramref name="key"/>.</summary>
    public static JsonObject CountBy<T>(IEnumerable<T> items, Func<T, string> key) =>
        Counts(items.GroupBy(key).Select(g => KeyValuePair.Create(g.Key, (long)g.Count())));
}
