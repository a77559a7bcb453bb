using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// Checkout through the gateway with a 50 ms payment provider. Each order is one unit put into a registered buyer's
/// cart (not timed), then POST api/orders with a new Idempotency-Key (timed, 202 expected); the OrderSaga reserves,
/// charges and commits in the background. After a few priming orders (a cold Ordering answers its first POSTs only
/// after seconds), two phases, each counting what is sent inside its window (after its warm-up):
/// <list type="number">
/// <item><b>steady</b>: an open loop of <see cref="SteadyOrdersPerSecond"/> new orders a second (sends scheduled by time,
/// never waiting for earlier ones): the 202's p50/p99, and PENDING → CONFIRMED per order from the server's timeline
/// (confirmed.at − placed.at). Whether the schedule held is reported: it cannot once every buyer waits for a confirmation;</item>
/// <item><b>saturation</b>: a closed loop of --concurrency workers over <see cref="SaturationBuyers"/> buyers (a buyer
/// orders again only once its last order is at rest and its cart empty, so they bound the orders in flight):
/// confirmations a second over the window, by the server's confirmed.at, is the highest sustained rate.</item>
/// </list>
/// In both, every <see cref="ResendEvery"/>th submission re-sends an earlier request (same buyer, key and body), as a
/// client that lost an answer does; afterwards orders per key are counted (Ordering's database: every order must be the
/// stored response of its own key) and the provider's ledger is checked for order references charged twice.
/// </summary>
public sealed class CheckoutScenario : IScenario
{
    private const int SteadyOrdersPerSecond = 50;
    private const int ResendEvery = 10;
    private const int Products = 16;
    private const int StockPerOffer = 1_000_000;
    private const int ProviderLatencyMs = 50;
    private const string Card = "4242424242424242";
    private const double GoalAcceptedP99Ms = 50;
    private const double GoalConfirmedP99Ms = 2_000;
    private const double GoalOrdersPerSecond = 100;

    // A buyer has one order in flight at a time (the order takes the whole cart, and the cart forgets its line only once
    // the order is confirmed), so the open loop needs a buyer per order not yet confirmed. Enough to hold 50/s while the
    // saga falls up to ~12 orders/s behind for the whole steady phase; each costs Identity two PBKDF2 hashes in setup.
    private const int Buyers = 900;

    // Saturation's orders in flight, at most: ≥ 150 orders/s at ~1 s per order plus cart clean-up; more would only queue.
    private const int SaturationBuyers = 300;

    // Open-loop sends later than this behind schedule mean the rate was not held (the pool ran dry or the box stalled).
    private const double ScheduleToleranceMs = 100;

    // Open loop: a slow answer must not hold back the next send, so the client never queues behind its own pool.
    private const int MaxConnections = 1024;

    // The cart add of an arrival starts this early so the POST itself leaves on schedule.
    private const int PrimeRounds = 3;
    private const int PrimeOrdersPerRound = 20;

    private static readonly TimeSpan PrepareAhead = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    public string Name => "checkout";

    public string Description =>
        $"orders through the gateway, 50 ms provider: 202 p50/p99 at {SteadyOrdersPerSecond}/s open loop, PENDING→CONFIRMED p50/p99, max confirmed orders/s, duplicates, double charges";

    // Every bench request comes from one IP, and each buyer adds to its cart and orders in quick succession.
    public IReadOnlyDictionary<string, string> AppHostSettings => GatewayOverheadScenario.LiftedRateLimits;

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = context.Platform;
        using var gateway = BenchClient.Create(context.CreateClient("gateway").BaseAddress!, MaxConnections);
        var notes = new JsonArray();
        var setup = Stopwatch.StartNew();

        var provider = platform is null ? null : await Provider.CreateAsync(context, platform, cancellationToken);
        if (provider is not null)
        {
            await provider.SetLatencyAsync(ProviderLatencyMs, cancellationToken);
        }
        else
        {
            notes.Add("--target: the payment provider is not reachable, so its latency is whatever the target runs with and double_charges is not checked (null)");
            notes.Add("--target: Ordering's database is not reachable: orders are followed with GET api/orders/{id} (load on the target) and duplicates counted from responses and each buyer's GET api/orders total");
        }

        var offers = await CreateOffersAsync(context, gateway, cancellationToken);
        var buyers = await RegisterBuyersAsync(context, cancellationToken);
        Console.WriteLine($"Setup: {offers.Count} offers with {StockPerOffer:N0} units each, {buyers.Count} buyers, provider latency " +
            $"{(provider is null ? "unchanged (--target)" : $"{ProviderLatencyMs} ms")}, in {setup.Elapsed.TotalSeconds:0.0} s");
        var setupSeconds = setup.Elapsed.TotalSeconds;

        await using var orderingDb = platform is null ? null : NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("orderingdb"));
        await using var orders = new CheckoutOrders(gateway, context.Identity, orderingDb, buyers);
        var shopper = new Shopper(gateway, context.Identity, orders, offers);

        // 0. Prime: a cold Ordering (JIT, pools, EF model) answers its first POSTs after seconds; at 50/s that would start
        // the steady phase behind a backlog of hundreds of orders. A few rounds of orders through the whole saga first.
        var priming = Stopwatch.StartNew();
        var prime = new Phase("prime", context.Options with { Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(1) });
        for (var round = 0; round < PrimeRounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, PrimeOrdersPerRound).Select(_ => shopper.OrderAsync(prime, null, cancellationToken, cancellationToken)));
        }

        var primeNotAtRest = await CheckoutOrders.WaitForRestAsync(prime.Orders.ToList(), DrainTimeout, cancellationToken);
        Console.WriteLine($"Primed the checkout path with {prime.AcceptedAll} orders ({prime.FailedAll} failed, {primeNotAtRest} not at rest) in {priming.Elapsed.TotalSeconds:0.0} s");

        // 1. Steady: open loop at the target rate; new orders exactly SteadyOrdersPerSecond, resends on top.
        var steady = new Phase("steady", context.Options);
        var steadyWindow = InWindowAsync(platform, provider, steady, cancellationToken);
        await using (new Progress(steady, orders))
        {
            await OpenLoopAsync(shopper, steady, cancellationToken);
            steady.NotAtRest = await CheckoutOrders.WaitForRestAsync(steady.Orders.ToList(), DrainTimeout, cancellationToken);
        }

        var steadyFigures = await steadyWindow;

        // 2. Saturation: closed loop, bounded by the buyer pool; a shorter window, the platform is warm by now.
        var saturationOptions = context.Options with
        {
            Warmup = TimeSpan.FromSeconds(Math.Min(5, context.Options.Warmup.TotalSeconds)),
            Duration = TimeSpan.FromSeconds(Math.Max(10, Math.Round(context.Options.Duration.TotalSeconds / 2))),
        };
        orders.LimitCirculation(SaturationBuyers);
        var saturation = new Phase("saturation", saturationOptions);
        var saturationWindow = InWindowAsync(platform, provider, saturation, cancellationToken);
        await using (new Progress(saturation, orders))
        {
            await ClosedLoopAsync(shopper, saturation, context.Options.Concurrency, cancellationToken);
            saturation.NotAtRest = await CheckoutOrders.WaitForRestAsync(orders.All.ToList(), DrainTimeout, cancellationToken);
        }

        var saturationFigures = await saturationWindow;

        // The server stamps the timeline; the bench's window is in its own clock. Same box when self-hosted (≈ 0).
        var clockOffset = ServerClockOffset(orders.All);
        var steadyResult = steady.ToLoadResult();
        var confirmed = ConfirmedLatencies(steady.Orders.Where(o => o.Measured));
        var throughput = Throughput(orders.All, saturation, clockOffset);
        var duplicates = await DuplicatesAsync(shopper, orders, orderingDb, gateway, context.Identity, buyers, cancellationToken);
        var ledger = provider is null ? null : await provider.LedgerAsync(orders.All, cancellationToken);

        var scheduleHeld = steady.ScheduleHeld(SteadyOrdersPerSecond, ScheduleToleranceMs);
        var acceptedMet = scheduleHeld && steadyResult.Errors == 0 && steadyResult.P99Ms <= GoalAcceptedP99Ms;
        var confirmedMet = confirmed.Count > 0 && confirmed.Unconfirmed == 0 && confirmed.P99Ms <= GoalConfirmedP99Ms;
        var throughputMet = throughput.OrdersPerSecond >= GoalOrdersPerSecond;
        var doubleCharges = ledger?["double_charges"]?.GetValue<int>();

        context.Headline["accepted_p50_ms"] = steadyResult.P50Ms;
        context.Headline["accepted_p99_ms"] = steadyResult.P99Ms;
        context.Headline["confirmed_p50_ms"] = confirmed.P50Ms;
        context.Headline["confirmed_p99_ms"] = confirmed.P99Ms;
        context.Headline["orders_per_s"] = throughput.OrdersPerSecond;
        context.Headline["duplicate_orders"] = duplicates.Count;
        context.Headline["double_charges"] = doubleCharges;
        context.Headline["goals"] = new JsonObject
        {
            ["accepted_p99_ms"] = Goal(
                $"≤ {GoalAcceptedP99Ms} ms at {SteadyOrdersPerSecond} orders/s (open loop held: sends ≤ {ScheduleToleranceMs} ms late at p99), no failed order",
                steadyResult.P99Ms,
                acceptedMet),
            ["confirmed_p99_ms"] = Goal($"≤ {GoalConfirmedP99Ms} ms, every steady order confirmed", confirmed.P99Ms, confirmedMet),
            ["orders_per_s"] = Goal($"≥ {GoalOrdersPerSecond} confirmed orders/s sustained", throughput.OrdersPerSecond, throughputMet),
            ["duplicate_orders"] = Goal("0", duplicates.Count, duplicates.Count == 0),
            ["double_charges"] = Goal("0", doubleCharges, doubleCharges is null ? null : doubleCharges == 0),
        };
        context.Headline["goals_met"] = acceptedMet && confirmedMet && throughputMet && duplicates.Count == 0 && doubleCharges is null or 0;

        var steadyJson = steady.ToJson(orders);
        steadyJson["schedule_held"] = scheduleHeld;
        steadyJson["confirmed"] = confirmed.Json;
        steadyJson["saga_stages"] = Stages(steady.Orders.Where(o => o.Measured));
        steadyJson["in_window"] = steadyFigures;
        var saturationJson = saturation.ToJson(orders);
        saturationJson["workers"] = context.Options.Concurrency;
        saturationJson["confirmed_in_window"] = throughput.Json;
        saturationJson["buyers_in_circulation"] = SaturationBuyers;
        saturationJson["confirmed"] = ConfirmedLatencies(saturation.Orders.Where(o => o.Measured)).Json;
        saturationJson["saga_stages"] = Stages(saturation.Orders.Where(o => o.Measured));
        saturationJson["in_window"] = saturationFigures;

        context.Metrics["steady"] = steadyJson;
        context.Metrics["saturation"] = saturationJson;
        context.Metrics["duplicates"] = duplicates.Json;
        context.Metrics["ledger"] = ledger ?? (JsonNode)"not checked (--target)";
        context.Metrics["setup"] = new JsonObject
        {
            ["offers"] = offers.Count,
            ["stock_per_offer"] = StockPerOffer,
            ["buyers"] = buyers.Count,
            ["provider_latency_ms"] = provider is null ? "as the target runs" : ProviderLatencyMs,
            ["payment_method"] = Card,
            ["resend_every"] = ResendEvery,
            ["setup_s"] = Math.Round(setupSeconds, 1),
            ["primed_with_orders"] = prime.AcceptedAll,
        };
        context.Metrics["follow_up"] = new JsonObject
        {
            ["orders"] = orderingDb is null ? "GET api/orders/{id} every 500 ms per pending order" : "one orderingdb query every 200 ms for all pending orders",
            ["cart_polls"] = orders.CartPolls,
            ["carts_not_clean_at_add"] = shopper.UncleanCarts,
            ["problems"] = Counts(orders.Problems),
        };
        context.Metrics["server_clock_offset_ms"] = Math.Round(clockOffset.TotalMilliseconds, 1);
        context.Metrics["path"] = platform is null ? "through the --target gateway" : "through the self-hosted gateway";
        context.Metrics["gateway_rate_limits"] = platform is null ? "as configured on the target" : GatewayOverheadScenario.LiftedRateLimitsText;
        context.Metrics["notes"] = notes;

        Console.WriteLine(steadyResult.Summary("steady 202 (new orders)"));
        Console.WriteLine($"confirmed (server timeline): p50 {confirmed.P50Ms:0.0} ms, p99 {confirmed.P99Ms:0.0} ms, {confirmed.Unconfirmed} not confirmed");
        Console.WriteLine($"saturation: {throughput.OrdersPerSecond:0.0} confirmed orders/s over {saturation.Options.Duration.TotalSeconds:0} s");
        Console.WriteLine($"duplicate orders {duplicates.Count}, double charges {(doubleCharges?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not checked")}");
        Console.WriteLine($"goals: 202 p99 {(acceptedMet ? "met" : "NOT met")}, confirmation p99 {(confirmedMet ? "met" : "NOT met")}, throughput {(throughputMet ? "met" : "NOT met")}");
        return steadyResult;
    }

    /// <summary>Sends on a fixed schedule: submission n is due at n / rate whatever earlier ones are doing.</summary>
    private static async Task OpenLoopAsync(Shopper shopper, Phase phase, CancellationToken cancellationToken)
    {
        var submissionsPerSecond = SteadyOrdersPerSecond * ResendEvery / (double)(ResendEvery - 1);
        var interval = Stopwatch.Frequency / submissionsPerSecond;
        var ahead = (long)(PrepareAhead.TotalSeconds * Stopwatch.Frequency);
        var arrivals = new List<Task>();
        for (var n = 0L; ; n++)
        {
            var due = phase.Window.Started + (long)(n * interval);
            if (due >= phase.Window.Until)
            {
                break;
            }

            await DelayUntilAsync(due - ahead, cancellationToken);
            var resend = n % ResendEvery == ResendEvery - 1;
            arrivals.Add(Task.Run(() => resend ? shopper.ResendAsync(phase, due, cancellationToken) : shopper.OrderAsync(phase, due, cancellationToken, cancellationToken), cancellationToken));
        }

        await Task.WhenAll(arrivals);
    }

    /// <summary>Workers that order again as soon as they have a free buyer; the pool bounds the orders in flight.</summary>
    private static async Task ClosedLoopAsync(Shopper shopper, Phase phase, int workers, CancellationToken cancellationToken)
    {
        var submissions = 0L;
        using var windowClosed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        windowClosed.CancelAfter(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), phase.Window.Until));
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(
            async () =>
            {
                try
                {
                    while (Stopwatch.GetTimestamp() < phase.Window.Until)
                    {
                        if (Interlocked.Increment(ref submissions) % ResendEvery == 0)
                        {
                            await shopper.ResendAsync(phase, null, cancellationToken);
                        }
                        else
                        {
                            // Waiting for a free buyer ends with the window; a request under way is always finished.
                            await shopper.OrderAsync(phase, null, windowClosed.Token, cancellationToken);
                        }
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            },
            cancellationToken)));
    }

    private static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }

    /// <summary>Provider traffic and CPU per resource between the phase's window start and end (self-hosted only).</summary>
    private static async Task<JsonObject> InWindowAsync(PlatformFixture? platform, Provider? provider, Phase phase, CancellationToken cancellationToken)
    {
        await DelayUntilAsync(phase.Window.From, cancellationToken);
        var figures = new JsonObject();
        var statsReset = provider is not null && await TryAsync(figures, "provider_stats_error", () => provider.ResetStatsAsync(cancellationToken));
        var before = platform is null ? null : CpuSample(platform);
        await DelayUntilAsync(phase.Window.Until, cancellationToken);
        if (statsReset)
        {
            await TryAsync(figures, "provider_stats_error", async () =>
            {
                // The provider's own count of payment API calls and the most it had in flight at once, in the window.
                var stats = await provider!.StatsAsync(cancellationToken);
                figures["provider_calls_per_s"] = Math.Round(stats["requests"]!.GetValue<long>() / phase.Options.Duration.TotalSeconds, 1);
                figures["provider_max_in_flight"] = stats["max_in_flight"]?.DeepClone();
            });
        }

        if (platform is not null)
        {
            var after = CpuSample(platform);
            figures["cpu_s_by_resource"] = new JsonObject(after
                .Where(entry => entry.Value is not null && before![entry.Key] is not null && entry.Value - before[entry.Key] > 0.5)
                .OrderByDescending(entry => entry.Value - before![entry.Key])
                .Select(entry => KeyValuePair.Create(entry.Key, (JsonNode?)Math.Round(entry.Value!.Value - before![entry.Key]!.Value, 1))));
        }

        return figures;
    }

    /// <summary>Runs a side figure's request; a failure is recorded under <paramref name="errorKey"/> instead of ending the run.</summary>
    private static async Task<bool> TryAsync(JsonObject figures, string errorKey, Func<Task> action)
    {
        try
        {
            await action();
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException { InnerException: TimeoutException })
        {
            figures[errorKey] = $"{ex.GetType().Name}: {ex.Message}";
            return false;
        }
    }

    /// <summary>CPU seconds so far of every resource's process tree, the bench process and the whole machine.</summary>
    private static Dictionary<string, double?> CpuSample(PlatformFixture platform)
    {
        var sample = platform.Resources().ToDictionary(resource => resource.Name, resource => ResourceCpu.Seconds(ResourceCpu.Pid(platform, resource.Name)));
        sample["bench (load generator + AppHost)"] = ResourceCpu.OwnSeconds();
        sample["machine"] = ResourceCpu.MachineSeconds();
        return sample;
    }

    /// <summary>Median of server "placed" minus the midpoint of the POST that placed it, in the bench's wall clock.</summary>
    private static TimeSpan ServerClockOffset(IEnumerable<CheckoutOrder> orders)
    {
        var offsets = orders
            .Where(o => o.PlacedAt is not null)
            .Select(o => (o.PlacedAt!.Value - (o.SentAt + ((o.AnsweredAt - o.SentAt) / 2))).Ticks)
            .Order()
            .ToList();
        return offsets.Count == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(offsets[offsets.Count / 2]);
    }

    private sealed record Confirmations(int Count, double P50Ms, double P99Ms, int Unconfirmed, JsonObject Json);

    /// <summary>PENDING → CONFIRMED per order from the server's timeline (confirmed.at − placed.at).</summary>
    private static Confirmations ConfirmedLatencies(IEnumerable<CheckoutOrder> placed)
    {
        var orders = placed.ToList();
        var ticks = orders
            .Where(o => o.PendingToConfirmed is not null)
            .Select(o => (long)(o.PendingToConfirmed!.Value.TotalSeconds * Stopwatch.Frequency))
            .ToArray();
        var percentiles = new Percentiles([ticks]);
        var failed = orders.Where(o => o.AtRest && o.Status != CheckoutOrder.Confirmed).ToList();
        var notAtRest = orders.Count(o => !o.AtRest);
        var json = new JsonObject
        {
            ["orders"] = orders.Count,
            ["confirmed"] = ticks.Length,
            ["p50_ms"] = percentiles.Milliseconds(0.50),
            ["p95_ms"] = percentiles.Milliseconds(0.95),
            ["p99_ms"] = percentiles.Milliseconds(0.99),
            ["max_ms"] = percentiles.Milliseconds(1),
            ["failed"] = Counts(failed.GroupBy(o => o.FailureReason ?? o.Status).ToDictionary(g => g.Key, g => (long)g.Count())),
            ["not_at_rest_after_drain"] = notAtRest,
        };
        return new Confirmations(ticks.Length, percentiles.Milliseconds(0.50), percentiles.Milliseconds(0.99), failed.Count + notAtRest, json);
    }

    /// <summary>Where an order's time goes, step to step of the server's timeline (p50/p99), and how often a step was re-sent.</summary>
    private static JsonObject Stages(IEnumerable<CheckoutOrder> placed)
    {
        var orders = placed.Where(o => o.AtRest).ToList();
        var stages = new JsonObject();
        foreach (var (name, from, to) in new[]
        {
            ("reserve", "placed", "stock_reserved"),
            ("charge", "stock_reserved", "payment_succeeded"),
            ("commit", "payment_succeeded", "stock_committed"),
            ("confirm", "stock_committed", "confirmed"),
        })
        {
            var ticks = orders
                .Select(o => o.At(to) - o.At(from))
                .OfType<TimeSpan>()
                .Select(span => (long)(span.TotalSeconds * Stopwatch.Frequency))
                .ToArray();
            var percentiles = new Percentiles([ticks]);
            stages[$"{name}_p50_ms"] = percentiles.Milliseconds(0.50);
            stages[$"{name}_p99_ms"] = percentiles.Milliseconds(0.99);
        }

        stages["orders_with_a_resent_step"] = orders.Count(o => o.Resent > 0);
        stages["resent_steps"] = orders.Sum(o => o.Resent);
        return stages;
    }

    private sealed record Rate(double OrdersPerSecond, JsonObject Json);

    /// <summary>Confirmations whose server confirmed.at falls in the saturation window, per second and overall.</summary>
    private static Rate Throughput(IEnumerable<CheckoutOrder> orders, Phase phase, TimeSpan clockOffset)
    {
        var from = phase.WallFrom + clockOffset;
        var seconds = (int)Math.Floor(phase.Options.Duration.TotalSeconds);
        var buckets = new int[seconds];
        var total = 0;
        foreach (var order in orders)
        {
            if (order.ConfirmedAt is { } at && at >= from && (at - from).TotalSeconds < phase.Options.Duration.TotalSeconds)
            {
                total++;
                var bucket = (int)(at - from).TotalSeconds;
                if (bucket < seconds)
                {
                    buckets[bucket]++;
                }
            }
        }

        var perSecond = Math.Round(total / phase.Options.Duration.TotalSeconds, 1);
        var sorted = buckets.Order().ToArray();
        var half = seconds / 2;
        var json = new JsonObject
        {
            ["confirmations"] = total,
            ["per_s"] = perSecond,
            ["per_second_min"] = sorted.FirstOrDefault(),
            ["per_second_median"] = sorted.Length == 0 ? 0 : sorted[sorted.Length / 2],
            ["per_second_max"] = sorted.LastOrDefault(),
            // Sustained means the second half keeps the first half's pace.
            ["first_half_per_s"] = half == 0 ? 0 : Math.Round(buckets.Take(half).Sum() / (double)half, 1),
            ["second_half_per_s"] = half == 0 ? 0 : Math.Round(buckets.Skip(half).Sum() / (double)(seconds - half), 1),
            ["per_second"] = new JsonArray(buckets.Select(b => (JsonNode?)b).ToArray()),
        };
        return new Rate(perSecond, json);
    }

    private sealed record Duplicates(int Count, JsonObject Json);

    /// <summary>
    /// Orders beyond one per Idempotency-Key. Self-hosted, from Ordering's database: every order of the bench's buyers
    /// must be the stored response of its own key (idempotency_keys.location), so an order no key points to is an extra
    /// one. With --target: distinct order ids in the 202s of each key, and each buyer's order total against its keys.
    /// </summary>
    private static async Task<Duplicates> DuplicatesAsync(
        Shopper shopper, CheckoutOrders orders, NpgsqlDataSource? orderingDb, HttpClient gateway, BenchIdentity identity, IReadOnlyList<CheckoutBuyer> buyers,
        CancellationToken cancellationToken)
    {
        var keys = shopper.Keys.ToList();
        var inResponses = keys.Sum(k => Math.Max(0, k.OrderIds.Count - 1));
        var json = new JsonObject
        {
            ["keys_sent"] = keys.Count,
            ["orders_followed"] = orders.All.Count(),
            ["extra_order_ids_in_responses"] = inResponses,
            ["keys_whose_202_bodies_differ"] = keys.Count(k => k.Bodies > 1),
            ["order_ids_only_seen_in_resends"] = keys.SelectMany(k => k.OrderIds).Count(id => !orders.Contains(id)),
        };

        int count;
        if (orderingDb is not null)
        {
            await using var command = orderingDb.CreateCommand(
                """
                SELECT count(*),
                       count(*) FILTER (WHERE NOT EXISTS (
                           SELECT 1 FROM idempotency_keys k
                           WHERE k.scope = 'order:' || o.buyer_id::text AND k.location = '/api/orders/' || o.id::text))
                FROM orders o
                WHERE o.buyer_id = ANY($1)
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = buyers.Select(b => b.Id).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            json["orders_in_orderingdb"] = reader.GetInt64(0);
            json["orders_without_their_own_key"] = reader.GetInt64(1);
            json["method"] = "orderingdb: orders of the bench's buyers that no idempotency_keys row points to";
            count = (int)reader.GetInt64(1);
        }
        else
        {
            var beyondKeys = 0L;
            await Parallel.ForEachAsync(buyers, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (buyer, ct) =>
            {
                var token = await identity.TokenAsync(buyer.Email, BenchIdentity.BuyerPassword, ct);
                using var request = BenchIdentity.Authorized(HttpMethod.Get, "api/orders?pageSize=1", token);
                using var response = await gateway.SendAsync(request, ct);
                await DemoCatalog.EnsureSuccessAsync(response, $"Listing the orders of {buyer.Email}", ct);
                var total = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["total"]!.GetValue<int>();
                Interlocked.Add(ref beyondKeys, Math.Max(0, total - buyer.Keys));
            });
            json["orders_beyond_keys_in_buyer_lists"] = beyondKeys;
            json["method"] = "--target (no database): the larger of extra order ids in responses and orders beyond each buyer's keys in GET api/orders";
            count = (int)Math.Max(inResponses, beyondKeys);
        }

        return new Duplicates(count, json);
    }

    private static JsonObject Goal(string goal, double? value, bool? met) => new()
    {
        ["goal"] = goal,
        ["value"] = value,
        ["met"] = met,
    };

    private static JsonObject Counts(IEnumerable<KeyValuePair<string, long>> counts) =>
        new(counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));

    /// <summary>Products of demo seller A, each SKU offered by seller B too, with large stock for both: one line per order, spread over the offers.</summary>
    private static async Task<IReadOnlyList<(Guid SkuId, Guid SellerId)>> CreateOffersAsync(BenchContext context, HttpClient gateway, CancellationToken cancellationToken)
    {
        var word = $"checkout{Guid.NewGuid():N}"[..16];
        var sellerA = await context.Identity.TokenAsync(PlatformIdentity.DemoSellerA, PlatformIdentity.DemoPassword, cancellationToken);
        var sellerB = await context.Identity.TokenAsync(PlatformIdentity.DemoSellerB, PlatformIdentity.DemoPassword, cancellationToken);
        var offers = new ConcurrentBag<(Guid, Guid)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Products), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var skuId = await DemoCatalog.NewOfferAsync(gateway, sellerA, $"Checkout {word} {i}", ct);
            using var offer = await BenchIdentity.SendAsync(
                gateway,
                () => BenchIdentity.Authorized(HttpMethod.Put, $"api/catalog/skus/{skuId}/offers/{PlatformIdentity.DemoSellerBId}", sellerB, JsonContent.Create(new { price = 17.50m, currency = "USD" })),
                ct);
            await DemoCatalog.EnsureSuccessAsync(offer, "Offering the SKU as seller B", ct);
            await DemoCatalog.SetStockAsync(gateway, sellerA, skuId, PlatformIdentity.DemoSellerAId, StockPerOffer, ct);
            await DemoCatalog.SetStockAsync(gateway, sellerB, skuId, PlatformIdentity.DemoSellerBId, StockPerOffer, ct);
            offers.Add((skuId, PlatformIdentity.DemoSellerAId));
            offers.Add((skuId, PlatformIdentity.DemoSellerBId));
        });
        return [.. offers.OrderBy(o => o.Item1).ThenBy(o => o.Item2)];
    }

    /// <summary>Buyers registered and signed in before the load; each one's id is its token's subject (Ordering scopes keys by it).</summary>
    private static async Task<IReadOnlyList<CheckoutBuyer>> RegisterBuyersAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var registered = await context.Identity.RegisterBuyersAsync(Buyers, cancellationToken);
        var buyers = new List<CheckoutBuyer>();
        foreach (var (email, password) in registered)
        {
            var token = await context.Identity.TokenAsync(email, password, cancellationToken);
            var claims = JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!;
            buyers.Add(new CheckoutBuyer(email, Guid.Parse(claims["sub"]!.GetValue<string>())));
        }

        return buyers;
    }

    /// <summary>One phase's tallies; only what happens inside its measured window counts toward its figures.</summary>
    private sealed class Phase(string name, LoadOptions options)
    {
        private readonly ConcurrentQueue<long> _accepted = new();
        private readonly ConcurrentQueue<long> _replays = new();
        private readonly ConcurrentQueue<long> _lateness = new();
        private readonly ConcurrentDictionary<string, long> _errors = new();
        private readonly ConcurrentDictionary<string, long> _resends = new();
        private readonly ConcurrentDictionary<string, long> _waits = new();
        private long _newOrders;
        private long _measuredNewOrders;
        private long _acceptedAll;
        private long _failedAll;
        private long _overtaken;

        public string Name => name;

        public LoadOptions Options => options;

        public LoadWindow Window { get; } = LoadWindow.StartingNow(options);

        /// <summary>The bench's wall clock at <see cref="LoadWindow.From"/>, to compare with the server's timestamps.</summary>
        public DateTimeOffset WallFrom { get; } = DateTimeOffset.UtcNow + options.Warmup;

        public ConcurrentQueue<CheckoutOrder> Orders { get; } = new();

        public int NotAtRest { get; set; }

        public long NewOrders => Interlocked.Read(ref _newOrders);

        public long AcceptedAll => Interlocked.Read(ref _acceptedAll);

        public long FailedAll => Interlocked.Read(ref _failedAll);

        public void Placing(bool measured)
        {
            Interlocked.Increment(ref _newOrders);
            if (measured)
            {
                Interlocked.Increment(ref _measuredNewOrders);
            }
        }

        /// <param name="measured">Sent inside the window.</param>
        /// <param name="ticks">The 202's latency; null when it is not a placement's (the POST was overtaken by its own resend).</param>
        public void Accepted(bool measured, long? ticks)
        {
            Interlocked.Increment(ref _acceptedAll);
            if (measured && ticks is { } latency)
            {
                _accepted.Enqueue(latency);
            }
        }

        /// <summary>A new order that got no 202 (the cart add or the POST failed).</summary>
        public void Failed(bool measured, string kind, bool counted)
        {
            Interlocked.Increment(ref _failedAll);
            if (measured)
            {
                _errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
                if (!counted)
                {
                    // Failed before its POST: still an arrival of the window, so the error rate is over every arrival.
                    Interlocked.Increment(ref _measuredNewOrders);
                }
            }
        }

        /// <param name="outcome">What the resend got (counted in warm-up too).</param>
        /// <param name="replayTicks">A 202's latency when sent inside the window.</param>
        public void Resent(string outcome, long? replayTicks)
        {
            _resends.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            if (replayTicks is { } ticks)
            {
                _replays.Enqueue(ticks);
            }
        }

        /// <summary>How late a measured open-loop send left against its schedule.</summary>
        public void Late(long ticks) => _lateness.Enqueue(ticks);

        public void Overtaken() => Interlocked.Increment(ref _overtaken);

        /// <summary>Whether the open loop sent at its rate: enough sends in the window, none much later than scheduled.</summary>
        public bool ScheduleHeld(double perSecond, double toleranceMs) =>
            Interlocked.Read(ref _measuredNewOrders) >= 0.98 * perSecond * options.Duration.TotalSeconds
            && new Percentiles([_lateness.ToArray()]).Milliseconds(0.99) <= toleranceMs;

        public void Waited(string what) => _waits.AddOrUpdate(what, 1, (_, n) => n + 1);

        public LoadResult ToLoadResult()
        {
            var latencies = _accepted.ToArray();
            var percentiles = new Percentiles([latencies]);
            return new LoadResult(
                Interlocked.Read(ref _measuredNewOrders),
                _errors.Values.Sum(),
                options.Duration,
                percentiles.Milliseconds(0.50),
                percentiles.Milliseconds(0.95),
                percentiles.Milliseconds(0.99),
                _errors.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value))
            {
                LatencyTicks = latencies,
            };
        }

        public JsonObject ToJson(CheckoutOrders orders)
        {
            var accepted = ToLoadResult();
            var replays = new Percentiles([_replays.ToArray()]);
            var lateness = new Percentiles([_lateness.ToArray()]);
            var json = new JsonObject
            {
                ["warmup_s"] = options.Warmup.TotalSeconds,
                ["window_s"] = options.Duration.TotalSeconds,
                ["new_orders_sent_in_window"] = accepted.Requests,
                ["sent_per_s"] = Math.Round(accepted.Requests / options.Duration.TotalSeconds, 1),
                ["accepted_per_s"] = Math.Round(accepted.Rps, 1),
                ["first_posts_overtaken_by_their_resend"] = Interlocked.Read(ref _overtaken),
                ["accepted"] = accepted.ToJson(),
                ["new_orders_incl_warmup"] = NewOrders,
                ["accepted_incl_warmup"] = AcceptedAll,
                ["failed_incl_warmup"] = FailedAll,
                ["resends"] = Counts(_resends),
                ["resend_202_p50_ms"] = replays.Milliseconds(0.50),
                ["resend_202_p99_ms"] = replays.Milliseconds(0.99),
                ["waits"] = Counts(_waits),
                ["not_at_rest_after_drain"] = NotAtRest,
                ["orders_followed"] = Orders.Count,
                ["orders_in_flight_at_end"] = orders.PendingCount,
            };
            if (!_lateness.IsEmpty)
            {
                json["send_lateness_p50_ms"] = lateness.Milliseconds(0.50);
                json["send_lateness_p99_ms"] = lateness.Milliseconds(0.99);
                json["send_lateness_max_ms"] = lateness.Milliseconds(1);
            }

            return json;
        }
    }

    /// <summary>A line every 5 s while a phase runs (plain lines: they stay readable in logs).</summary>
    private sealed class Progress : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Progress(Phase phase, CheckoutOrders orders) => _loop = LoopAsync(phase, orders, _stop.Token);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }

        private static async Task LoopAsync(Phase phase, CheckoutOrders orders, CancellationToken stop)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    var now = Stopwatch.GetTimestamp();
                    var stage = now < phase.Window.From ? "warm-up" : now <= phase.Window.Until ? "measure" : "drain";
                    var elapsed = Stopwatch.GetElapsedTime(phase.Window.Started, now).TotalSeconds;
                    var confirmed = phase.Orders.Count(o => o.Status == CheckoutOrder.Confirmed);
                    Console.WriteLine(
                        $"[checkout:{phase.Name}] {stage} {elapsed,4:0}s  orders {phase.NewOrders,7:N0}  accepted {phase.AcceptedAll,7:N0}  " +
                        $"confirmed {confirmed,7:N0}  pending {orders.PendingCount,5:N0}  free buyers {orders.FreeBuyers,4}  failed {phase.FailedAll:N0}");
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>An Idempotency-Key as sent: its buyer, every 202 body and order id any submission with it got back.</summary>
    private sealed class KeyRecord(CheckoutBuyer buyer, string key)
    {
        public const int InFlight = 0;
        public const int NoAnswer = -1;

        private readonly Lock _lock = new();
        private readonly HashSet<Guid> _orderIds = [];
        private readonly HashSet<string> _bodies = new(StringComparer.Ordinal);
        private int _firstStatus = InFlight;

        public CheckoutBuyer Buyer => buyer;

        public string Key => key;

        /// <summary>The first submission's HTTP status, <see cref="InFlight"/> until it is answered, <see cref="NoAnswer"/> if never.</summary>
        public int FirstStatus
        {
            get => Volatile.Read(ref _firstStatus);
            set => Volatile.Write(ref _firstStatus, value);
        }

        public IReadOnlyCollection<Guid> OrderIds
        {
            get
            {
                lock (_lock)
                {
                    return [.. _orderIds];
                }
            }
        }

        public int Bodies
        {
            get
            {
                lock (_lock)
                {
                    return _bodies.Count;
                }
            }
        }

        public void Answered(string body, Guid orderId)
        {
            lock (_lock)
            {
                _orderIds.Add(orderId);
                _bodies.Add(body);
            }
        }
    }

    private sealed record Answer(int? Status, string? Body, long Ticks, DateTimeOffset SentAt, DateTimeOffset AnsweredAt, bool Replayed, string? Failure)
    {
        public TimeSpan? RetryAfter { get; init; }
    }

    /// <summary>What a buyer does: one unit into the cart, then the order; or an earlier order's request sent again.</summary>
    private sealed class Shopper(HttpClient gateway, BenchIdentity identity, CheckoutOrders orders, IReadOnlyList<(Guid SkuId, Guid SellerId)> offers)
    {
        private const int RecentKeys = 64;
        private static readonly MediaTypeHeaderValue Json = new("application/json");
        private static readonly byte[] OrderBody = JsonSerializer.SerializeToUtf8Bytes(new
        {
            shippingAddress = new { name = "Bench Buyer", line1 = "1 Main Street", city = "Springfield", postalCode = "12345", country = "US" },
            paymentMethod = Card,
        });

        private readonly ConcurrentDictionary<string, KeyRecord> _keys = new();
        private readonly KeyRecord?[] _recent = new KeyRecord?[RecentKeys];
        private readonly ConcurrentDictionary<string, byte> _reported = new();
        private long _recentNext;
        private long _offerNext;
        private long _uncleanCarts;

        public ICollection<KeyRecord> Keys => _keys.Values;

        /// <summary>Adds that found another line already in the cart (the order then carries more than its own unit).</summary>
        public long UncleanCarts => Interlocked.Read(ref _uncleanCarts);

        /// <summary>
        /// A new order: a free buyer, one unit into its cart (not timed), then the POST (timed) at <paramref name="due"/>
        /// (open loop) or at once (closed loop). Open-loop arrivals are measured by their schedule, closed-loop ones by send time.
        /// </summary>
        public async Task OrderAsync(Phase phase, long? due, CancellationToken acquireCancellation, CancellationToken cancellationToken)
        {
            if (!orders.TryAcquire(out var buyer))
            {
                phase.Waited("for_a_free_buyer");
                buyer = await orders.AcquireAsync(acquireCancellation);
            }

            var token = await identity.TokenAsync(buyer.Email, BenchIdentity.BuyerPassword, cancellationToken);
            var line = offers[(int)(Interlocked.Increment(ref _offerNext) % offers.Count)];
            var cartFailure = await AddToCartAsync(token, line, cancellationToken);
            if (cartFailure is not null)
            {
                phase.Failed(phase.Window.Contains(Stopwatch.GetTimestamp()), cartFailure, counted: false);
                orders.ReleaseWithoutOrder(buyer, line);
                return;
            }

            if (due is { } scheduled)
            {
                await DelayUntilAsync(scheduled, cancellationToken);
            }

            // Measured by when it is sent, as a closed loop counts completions: a slipping schedule shows as a lower rate.
            var sending = Stopwatch.GetTimestamp();
            var measured = phase.Window.Contains(sending);
            if (measured && due is { } planned)
            {
                phase.Late(Math.Max(0, sending - planned));
            }

            var record = new KeyRecord(buyer, Guid.NewGuid().ToString());
            _keys[record.Key] = record;
            buyer.CountKey();
            Volatile.Write(ref _recent[(Interlocked.Increment(ref _recentNext) - 1) % RecentKeys], record);
            phase.Placing(measured);

            var answer = await PostAsync(token, record.Key, cancellationToken);
            var first = answer;
            // 409 with Retry-After: this key's resend (sent while this POST was under way) reached the claim first and
            // places the order. Asked again as a client told to retry does, so the order is followed; its time is not a
            // placement's, so it is left out of the latencies (counted as overtaken).
            for (var retry = 0; answer is { Status: (int)HttpStatusCode.Conflict, RetryAfter: { } wait } && retry < 10; retry++)
            {
                await Task.Delay(wait, cancellationToken);
                answer = await PostAsync(token, record.Key, cancellationToken);
            }

            record.FirstStatus = answer.Status ?? KeyRecord.NoAnswer;
            if (answer.Status == (int)HttpStatusCode.Accepted && OrderId(answer.Body) is { } orderId)
            {
                record.Answered(answer.Body!, orderId);
                var order = new CheckoutOrder(orderId, buyer, line, measured) { SentAt = first.SentAt, AnsweredAt = answer.AnsweredAt };
                phase.Orders.Enqueue(order);
                orders.Track(order);
                if (ReferenceEquals(answer, first))
                {
                    phase.Accepted(measured, answer.Ticks);
                }
                else
                {
                    phase.Accepted(measured, null);
                    phase.Overtaken();
                }

                return;
            }

            var kind = answer.Failure ?? $"order_{answer.Status}";
            Report(kind, answer.Body);
            phase.Failed(measured, kind, counted: true);
            if (answer.Status is >= 400 and < 500)
            {
                // Refused: nothing was ordered, the line is still in the cart.
                orders.ReleaseWithoutOrder(buyer, line);
            }
            else
            {
                // No answer, or a 5xx: an order may exist and be in flight, so its buyer is not used again.
                orders.Retire(kind);
            }
        }

        /// <summary>
        /// An earlier order's request again (same buyer, key and body), picked among the last <see cref="RecentKeys"/>
        /// whose first answer was a 202 or has not come yet: a replayed 202, or 409 while the first is still running.
        /// </summary>
        public async Task ResendAsync(Phase phase, long? due, CancellationToken cancellationToken)
        {
            if (due is { } scheduled)
            {
                await DelayUntilAsync(scheduled, cancellationToken);
            }

            var record = PickRecent();
            if (record is null)
            {
                phase.Resent("skipped_nothing_to_resend", null);
                return;
            }

            var token = await identity.TokenAsync(record.Buyer.Email, BenchIdentity.BuyerPassword, cancellationToken);
            var measured = phase.Window.Contains(Stopwatch.GetTimestamp());
            var answer = await PostAsync(token, record.Key, cancellationToken);
            if (answer.Status == (int)HttpStatusCode.Accepted && OrderId(answer.Body) is { } orderId)
            {
                record.Answered(answer.Body!, orderId);
                // Not marked replayed: the resend reached the claim before the first POST and placed the order itself.
                phase.Resent(answer.Replayed ? "replayed_202" : "created_202_ahead_of_the_first_post", measured ? answer.Ticks : null);
                return;
            }

            var outcome = answer.Status switch
            {
                (int)HttpStatusCode.Conflict => "in_flight_409",
                { } status => $"http_{status}",
                null => answer.Failure!,
            };
            Report($"resend {outcome}", answer.Body);
            phase.Resent(outcome, null);
        }

        private KeyRecord? PickRecent()
        {
            var filled = (int)Math.Min(Interlocked.Read(ref _recentNext), RecentKeys);
            for (var attempt = 0; filled > 0 && attempt < 8; attempt++)
            {
                var candidate = Volatile.Read(ref _recent[Random.Shared.Next(filled)]);
                if (candidate?.FirstStatus is KeyRecord.InFlight or (int)HttpStatusCode.Accepted)
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <returns>Null when the line is in the cart; otherwise why not.</returns>
        private async Task<string?> AddToCartAsync(string token, (Guid SkuId, Guid SellerId) line, CancellationToken cancellationToken)
        {
            using var request = BenchIdentity.Authorized(
                HttpMethod.Post, "api/cart/items", token, JsonContent.Create(new { skuId = line.SkuId, sellerId = line.SellerId, quantity = 1 }));
            try
            {
                using var response = await gateway.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    var kind = $"cart_add_{(int)response.StatusCode}";
                    Report(kind, await response.Content.ReadAsStringAsync(cancellationToken));
                    return kind;
                }

                // A new line (201) alone in the cart is the clean case; anything else carries an earlier order's line.
                var cart = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
                if (response.StatusCode != HttpStatusCode.Created || cart?["lines"]?.AsArray().Count != 1)
                {
                    Interlocked.Increment(ref _uncleanCarts);
                }

                return null;
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                Report("cart_add_timeout", ex.Message);
                return "cart_add_timeout";
            }
            catch (HttpRequestException ex)
            {
                Report("cart_add_" + ex.HttpRequestError, ex.Message);
                return $"cart_add_{ex.HttpRequestError}";
            }
        }

        /// <summary>POST api/orders, timed from send to the last byte of the answer.</summary>
        private async Task<Answer> PostAsync(string token, string key, CancellationToken cancellationToken)
        {
            using var request = BenchIdentity.Authorized(HttpMethod.Post, "api/orders", token, new ByteArrayContent(OrderBody) { Headers = { ContentType = Json } });
            request.Headers.Add("Idempotency-Key", key);
            var sentAt = DateTimeOffset.UtcNow;
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await gateway.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var ticks = Stopwatch.GetTimestamp() - started;
                return new Answer((int)response.StatusCode, body, ticks, sentAt, DateTimeOffset.UtcNow, response.Headers.Contains("Idempotent-Replayed"), null)
                {
                    RetryAfter = response.Headers.RetryAfter?.Delta,
                };
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                return new Answer(null, ex.Message, Stopwatch.GetTimestamp() - started, sentAt, DateTimeOffset.UtcNow, false, "order_timeout");
            }
            catch (HttpRequestException ex)
            {
                return new Answer(null, ex.Message, Stopwatch.GetTimestamp() - started, sentAt, DateTimeOffset.UtcNow, false, $"order_{ex.HttpRequestError}");
            }
        }

        private static Guid? OrderId(string? body)
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

        /// <summary>The first answer of each kind on the console: one sample explains a failure; thousands would bury the progress.</summary>
        private void Report(string kind, string? detail)
        {
            if (_reported.TryAdd(kind, 0))
            {
                var text = detail is { Length: > 400 } ? detail[..400] + "…" : detail;
                Console.Error.WriteLine($"[checkout] first {kind}: {text}");
            }
        }
    }

    /// <summary>The payment provider stand-in (self-hosted only): its fault switch, its traffic counters, its ledger.</summary>
    private sealed class Provider(HttpClient client, string apiKey)
    {
        public static async Task<Provider> CreateAsync(BenchContext context, PlatformFixture platform, CancellationToken cancellationToken)
        {
            var parameter = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
                .OfType<ParameterResource>().Single(p => p.Name == "payment-provider-api-key");
            var apiKey = await parameter.GetValueAsync(cancellationToken)
                ?? throw new InvalidOperationException("The AppHost parameter payment-provider-api-key has no value.");
            return new Provider(context.CreateClient("payment-provider"), apiKey);
        }

        public async Task SetLatencyAsync(int milliseconds, CancellationToken cancellationToken)
        {
            var faults = await SendAsync(HttpMethod.Put, "v1/test/faults", new JsonObject { ["latency_ms"] = milliseconds }, cancellationToken);
            if (faults["latency_ms"]?.GetValue<int>() != milliseconds)
            {
                throw new InvalidOperationException($"The provider did not take latency_ms={milliseconds}: {faults.ToJsonString()}");
            }
        }

        public async Task ResetStatsAsync(CancellationToken cancellationToken) => await SendAsync(HttpMethod.Delete, "v1/test/stats", null, cancellationToken);

        public Task<JsonObject> StatsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "v1/test/stats", null, cancellationToken);

        /// <summary>Captured charges per order reference: more than one for an order is a double charge.</summary>
        public async Task<JsonObject> LedgerAsync(IEnumerable<CheckoutOrder> followed, CancellationToken cancellationToken)
        {
            var ledger = await SendAsync(HttpMethod.Get, "v1/ledger", null, cancellationToken);
            var perReference = ledger["charges"]!.AsArray()
                .GroupBy(charge => charge?["order_reference"]?.GetValue<string>() ?? "", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var orders = followed.ToList();
            var confirmed = orders.Where(o => o.Status == CheckoutOrder.Confirmed).Select(o => o.Id.ToString()).ToHashSet(StringComparer.Ordinal);
            var notConfirmed = orders.Where(o => o.Status != CheckoutOrder.Confirmed).Select(o => o.Id.ToString()).ToHashSet(StringComparer.Ordinal);
            return new JsonObject
            {
                ["charges"] = perReference.Values.Sum(),
                ["refunds"] = ledger["refunds"]!.AsArray().Count,
                ["order_references_charged"] = perReference.Count(p => p.Key.Length > 0),
                ["double_charges"] = perReference.Count(p => p.Key.Length > 0 && p.Value > 1),
                ["charges_without_order_reference"] = perReference.GetValueOrDefault(""),
                ["confirmed_orders_without_charge"] = confirmed.Count(id => !perReference.ContainsKey(id)),
                ["charged_orders_not_confirmed"] = notConfirmed.Count(perReference.ContainsKey),
            };
        }

        private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
        {
            using var request = BenchIdentity.Authorized(method, path, apiKey, body is null ? null : JsonContent.Create(body));
            using var response = await client.SendAsync(request, cancellationToken);
            await DemoCatalog.EnsureSuccessAsync(response, $"Provider {method} {path}", cancellationToken);
            return (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
        }
    }
}
