using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The same reservation burst (POST api/inventory/reservations, quantity 1, each buyer holding for itself with its own
/// token) against an ordinary offer, decided by a guarded UPDATE of one Postgres row (the hot row), and against an offer
/// in a flash sale, decided by the Redis FlashSaleCounter. <c>flash-sale</c> runs both in one run and reports the ratio
/// of successful reservations/s (goal ≥ 10× at 0 oversell); <c>hot-row</c> runs the Postgres baseline alone.
/// </summary>
/// <remarks>
/// Throughput phases get far more stock than they can sell in their warm-up plus window (1 000 000 units), so they
/// measure the reservation path, never 409s. Oversell is then checked where it can happen: a sell-out burst per phase
/// (twice as many attempts as units, all at once), whose successes must equal the units exactly, and Inventory's own
/// numbers afterwards (stock row: reserved vs successes, never on_hand &lt; reserved; flash sale: quantity − remaining
/// vs successes, then close and its reconciliation). Postgres runs with fsync=on (checked with SHOW fsync).
/// Self-hosted, requests go straight to the inventory service (what is measured is Inventory, not the gateway's
/// write limits of 5/s per user); with --target they go through that gateway, limits and all.
/// </remarks>
public sealed class ReservationBurstScenario(bool compareWithFlashSale) : IScenario
{
    public const int ThroughputStock = 1_000_000;
    public const int HotRowSellOutUnits = 200;
    public const int FlashSellOutUnits = 1_000;
    private const int HoldTtlSeconds = 3600;

    public string Name => compareWithFlashSale ? "flash-sale" : "hot-row";

    public string Description => compareWithFlashSale
        ? "reservation burst: flash-sale SKU (Redis counter) vs normal SKU (Postgres hot row, fsync=on); ratio in one run (goal ≥ 10×, 0 oversell)"
        : "reservation burst on a normal SKU: one Postgres row (fsync=on), successful reservations/s and oversell";

    public IReadOnlyDictionary<string, string> AppHostSettings { get; } = new Dictionary<string, string>
    {
        ["Infrastructure:Postgres:Fsync"] = "true",
    };

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var inventory = context.CreateClient("inventory");
        var sellerId = PlatformIdentity.DemoSellerAId;
        var seller = () => context.Identity.TokenAsync(PlatformIdentity.DemoSellerA, PlatformIdentity.DemoPassword, cancellationToken);
        context.Metrics["fsync"] = await FsyncAsync(context);
        context.Metrics["path"] = context.Platform is null ? "through the --target gateway" : "direct to the inventory service";

        var buyers = await context.Identity.RegisterBuyersAsync(Math.Min(context.Options.Concurrency, 64), cancellationToken);
        context.Metrics["buyers"] = buyers.Count;
        Console.WriteLine($"Registered {buyers.Count} buyers");

        // (a) the hot row: an ordinary offer, every hold one guarded UPDATE of the same stock row.
        var catalog = context.CreateClient("catalog");
        var hotSku = await DemoCatalog.NewOfferAsync(catalog, await seller(), $"Hot row {Guid.NewGuid():N}", cancellationToken);
        await DemoCatalog.SetStockAsync(inventory, await seller(), hotSku, sellerId, ThroughputStock, cancellationToken);
        var hotBurst = new Burst(context, buyers, hotSku, sellerId);
        var hot = await context.RunLoadAsync($"{Name}:hot-row", inventory, hotBurst.ReserveAsync, cancellationToken);
        Console.WriteLine(hot.Summary("hot-row (Postgres)"));
        var hotStock = await StockAsync(inventory, await seller(), hotSku, sellerId, cancellationToken);
        var hotMetrics = hot.ToJson();
        hotMetrics["stock"] = ThroughputStock;
        hotMetrics["successes_incl_warmup"] = hotBurst.Successes;
        hotMetrics["inventory_reserved"] = hotStock["reserved"]!.DeepClone();
        hotMetrics["inventory_available"] = hotStock["available"]!.DeepClone();
        hotMetrics["unaccounted"] = hotBurst.Unknown;
        hotMetrics["oversell"] = Math.Max(0, hotBurst.Successes - ThroughputStock);
        hotMetrics["reserved_matches_successes"] = hotStock["reserved"]!.GetValue<int>() == hotBurst.Successes;
        context.Metrics["hot_row"] = hotMetrics;

        var hotSellOut = await SellOutAsync(context, catalog, inventory, buyers, await seller(), sellerId, HotRowSellOutUnits, flash: false, cancellationToken);
        context.Metrics["hot_row_sell_out"] = hotSellOut.Json;
        if (!compareWithFlashSale)
        {
            context.Metrics["oversell"] = hotMetrics["oversell"]!.GetValue<long>() + hotSellOut.Oversell;
            return hot;
        }

        // (b) the flash sale: the same burst, decided by the Redis counter (write-back to Postgres in batches, behind it).
        var flashSku = await DemoCatalog.NewOfferAsync(catalog, await seller(), $"Flash sale {Guid.NewGuid():N}", cancellationToken);
        await DemoCatalog.SetStockAsync(inventory, await seller(), flashSku, sellerId, ThroughputStock, cancellationToken);
        var saleId = await OpenSaleAsync(inventory, await seller(), flashSku, sellerId, ThroughputStock, cancellationToken);
        var flashBurst = new Burst(context, buyers, flashSku, sellerId);
        var flash = await context.RunLoadAsync($"{Name}:flash", inventory, flashBurst.ReserveAsync, cancellationToken);
        Console.WriteLine(flash.Summary("flash sale (Redis)"));
        var sale = await inventory.GetFromJsonAsync<JsonObject>($"api/inventory/flash-sales/{saleId}", cancellationToken)
            ?? throw new InvalidOperationException("The flash sale is gone.");
        var sold = ThroughputStock - sale["remaining"]!.GetValue<int>();
        var flashMetrics = flash.ToJson();
        flashMetrics["stock"] = ThroughputStock;
        flashMetrics["successes_incl_warmup"] = flashBurst.Successes;
        flashMetrics["inventory_sold_in_redis"] = sold;
        flashMetrics["written_back_when_load_ended"] = sale["writtenBack"]!.DeepClone();
        flashMetrics["unaccounted"] = flashBurst.Unknown;
        flashMetrics["oversell"] = Math.Max(0, flashBurst.Successes - ThroughputStock);
        flashMetrics["sold_matches_successes"] = sold == flashBurst.Successes;
        var closing = System.Diagnostics.Stopwatch.StartNew();
        var closed = await CloseSaleAsync(inventory, await seller(), saleId, cancellationToken);
        flashMetrics["close_s"] = Math.Round(closing.Elapsed.TotalSeconds, 1);
        flashMetrics["close_reconciled"] = closed?["reconciled"]?.DeepClone();
        flashMetrics["close_written_back"] = closed?["writtenBack"]?.DeepClone();
        context.Metrics["flash"] = flashMetrics;

        var flashSellOut = await SellOutAsync(context, catalog, inventory, buyers, await seller(), sellerId, FlashSellOutUnits, flash: true, cancellationToken);
        context.Metrics["flash_sell_out"] = flashSellOut.Json;

        var ratio = hot.Rps > 0 ? flash.Rps / hot.Rps : 0;
        var oversell = hotMetrics["oversell"]!.GetValue<long>() + flashMetrics["oversell"]!.GetValue<long>() + hotSellOut.Oversell + flashSellOut.Oversell;
        context.Metrics["ratio_flash_to_hot_row"] = Math.Round(ratio, 2);
        context.Metrics["oversell"] = oversell;
        context.Metrics["goal"] = "ratio of at least 10 at 0 oversell";
        context.Metrics["goal_met"] = ratio >= 10 && oversell == 0;
        Console.WriteLine($"ratio flash/hot-row {ratio:0.00}x, oversell {oversell}");
        return flash;
    }

    /// <summary>The burst's request: each call holds one unit for the next buyer of the pool (holder = its own sub).</summary>
    private sealed class Burst(BenchContext context, IReadOnlyList<(string Email, string Password)> buyers, Guid skuId, Guid sellerId)
    {
        private long _next;
        private long _successes;
        private long _unknown;

        /// <summary>201s seen, warm-up and drain included (the measured window counts only its own).</summary>
        public long Successes => Interlocked.Read(ref _successes);

        /// <summary>Requests that ended without an answer (timeouts, resets): each may or may not have reserved.</summary>
        public long Unknown => Interlocked.Read(ref _unknown);

        public async Task<bool> ReserveAsync(HttpClient client, CancellationToken cancellationToken)
        {
            var (email, password) = buyers[(int)(Interlocked.Increment(ref _next) % buyers.Count)];
            var token = await context.Identity.TokenAsync(email, password, cancellationToken);
            using var request = BenchIdentity.Authorized(
                HttpMethod.Post, "api/inventory/reservations", token, JsonContent.Create(new { skuId, sellerId, quantity = 1, ttlSeconds = HoldTtlSeconds }));
            try
            {
                using var response = await client.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref _successes);
                    return true;
                }

                return false;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _unknown);
                throw;
            }
        }
    }

    private sealed record SellOut(JsonObject Json, long Oversell);

    /// <summary>
    /// Twice as many holds as units, fired together by every worker: exactly <paramref name="units"/> must succeed, the
    /// rest get 409, and Inventory must agree (stock row or flash counter at 0, nothing more handed out).
    /// </summary>
    private static async Task<SellOut> SellOutAsync(
        BenchContext context, HttpClient catalog, HttpClient inventory, IReadOnlyList<(string Email, string Password)> buyers, string sellerToken, Guid sellerId, int units, bool flash,
        CancellationToken cancellationToken)
    {
        var sku = await DemoCatalog.NewOfferAsync(catalog, sellerToken, $"Sell-out {Guid.NewGuid():N}", cancellationToken);
        await DemoCatalog.SetStockAsync(inventory, sellerToken, sku, sellerId, units, cancellationToken);
        var saleId = flash ? await OpenSaleAsync(inventory, sellerToken, sku, sellerId, units, cancellationToken) : (Guid?)null;
        var burst = new Burst(context, buyers, sku, sellerId);
        var attempts = units * 2;
        long outOfStock = 0, other = 0, remainingAttempts = attempts;
        var timer = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, context.Options.Concurrency).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remainingAttempts) >= 0)
            {
                try
                {
                    if (!await burst.ReserveAsync(inventory, cancellationToken))
                    {
                        Interlocked.Increment(ref outOfStock);
                    }
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref other);
                }
            }
        }));
        var elapsed = timer.Elapsed;

        int inventoryLeft;
        if (saleId is { } id)
        {
            var sale = await inventory.GetFromJsonAsync<JsonObject>($"api/inventory/flash-sales/{id}", cancellationToken);
            inventoryLeft = sale!["remaining"]!.GetValue<int>();
            await CloseSaleAsync(inventory, sellerToken, id, cancellationToken);
        }
        else
        {
            inventoryLeft = (await StockAsync(inventory, sellerToken, sku, sellerId, cancellationToken))["available"]!.GetValue<int>();
        }

        var successes = burst.Successes;
        var oversell = Math.Max(0, successes - units);
        var json = new JsonObject
        {
            ["units"] = units,
            ["attempts"] = attempts,
            ["successes"] = successes,
            ["rejected"] = outOfStock,
            ["failed"] = other,
            ["inventory_left"] = inventoryLeft,
            ["oversell"] = oversell,
            ["exact"] = successes == units && inventoryLeft == 0,
            ["s"] = Math.Round(elapsed.TotalSeconds, 2),
        };
        Console.WriteLine($"sell-out ({(flash ? "flash" : "hot row")}): {successes} of {attempts} attempts for {units} units, {inventoryLeft} left, oversell {oversell}");
        return new SellOut(json, oversell);
    }

    private static async Task<JsonObject> StockAsync(HttpClient inventory, string token, Guid sku, Guid seller, CancellationToken cancellationToken)
    {
        using var response = await BenchIdentity.SendAsync(
            inventory, () => BenchIdentity.Authorized(HttpMethod.Get, $"api/inventory/stock/{sku}/{seller}", token), cancellationToken);
        await DemoCatalog.EnsureSuccessAsync(response, $"Reading stock of {sku}", cancellationToken);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
    }

    private static async Task<Guid> OpenSaleAsync(HttpClient inventory, string token, Guid sku, Guid seller, int quantity, CancellationToken cancellationToken)
    {
        var body = new { skuId = sku, sellerId = seller, quantity, endsAt = DateTimeOffset.UtcNow.AddHours(2) };
        using var response = await BenchIdentity.SendAsync(
            inventory, () => BenchIdentity.Authorized(HttpMethod.Post, "api/inventory/flash-sales", token, JsonContent.Create(body)), cancellationToken);
        await DemoCatalog.EnsureSuccessAsync(response, $"Opening a flash sale of {sku}", cancellationToken);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["id"]!.GetValue<Guid>();
    }

    /// <summary>Closes the sale (drains the write-back, returns unsold units, reconciles Redis with Postgres).</summary>
    private static async Task<JsonObject?> CloseSaleAsync(HttpClient inventory, string token, Guid saleId, CancellationToken cancellationToken)
    {
        using var response = await BenchIdentity.SendAsync(
            inventory, () => BenchIdentity.Authorized(HttpMethod.Post, $"api/inventory/flash-sales/{saleId}/close", token), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"Closing flash sale {saleId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return null;
        }

        return await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
    }

    private static async Task<string> FsyncAsync(BenchContext context)
    {
        if (context.Platform is null)
        {
            return "unknown (--target)";
        }

        await using var connection = new NpgsqlConnection(await context.Platform.GetConnectionStringAsync("inventorydb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW fsync", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
