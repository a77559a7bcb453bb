using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;
using AspireShop.TestKit;
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
/// <para>
/// With faults (<c>--faults</c>, written as <c>checkout-faults</c>) the same two phases run while the provider faults
/// about a tenth of its calls (<see cref="FaultModes"/> in turn, paced by <see cref="FaultRotation"/>): declined cards
/// fail their orders, so an order counts as at rest when it is confirmed, or failed with any capture refunded.
/// </para>
/// </summary>
/// <param name="faults">Whether the provider faults a share of its calls during the measured phases.</param>
public sealed class CheckoutScenario(bool faults = false) : IScenario
{
    private const int SteadyOrdersPerSecond = 50;
    private const int ResendEvery = 10;
    private const int Products = 16;
    private const int StockPerOffer = 1_000_000;
    private const int ProviderLatencyMs = 50;
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

    private const int PrimeRounds = 3;
    private const int PrimeOrdersPerRound = 20;

    // The chaos soak's share of provider calls faulted.
    private const double FaultShare = 0.10;

    // The cart add of an arrival starts this early so the POST itself leaves on schedule.
    private static readonly TimeSpan PrepareAhead = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    // At most 3 faults are set per read of the provider's counter: read 4 times a second, a tenth of checkout's ~60 calls/s fits.
    private static readonly TimeSpan FaultPacing = TimeSpan.FromMilliseconds(250);

    // A faulted payment may wait for Payment's reconciler (backoff, Retry-After) before its order comes to rest.
    private static readonly TimeSpan FaultsDrainTimeout = TimeSpan.FromMinutes(5);

    // The chaos soak's rotation plus declines, which fail orders; "slow" is left out: the provider's latency is one
    // switch for every call, without a count, so it cannot be paced to a share of calls.
    private static readonly IReadOnlyList<string> FaultModes = [.. FaultRotation.RecoverableModes, "decline_all"];

    public string Name => faults ? "checkout-faults" : "checkout";

    public string Description => faults
        ? $"checkout with ~{FaultShare:P0} of provider calls faulted ({string.Join(", ", FaultModes)}): the same figures, fault counts, orders confirmed / failed by reason, money held for unconfirmed orders"
        : $"orders through the gateway, 50 ms provider: 202 p50/p99 at {SteadyOrdersPerSecond}/s open loop, PENDING→CONFIRMED p50/p99, max confirmed orders/s, duplicates, double charges";

    // Every bench request comes from one IP, and each buyer adds to its cart and orders in quick succession.
    public IReadOnlyDictionary<string, string> AppHostSettings => GatewayOverheadScenario.LiftedRateLimits;

    public IScenario? WithFaults() => faults ? this : new CheckoutScenario(faults: true);

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = context.Platform;
        if (faults && platform is null)
        {
            throw new InvalidOperationException("checkout --faults needs the self-hosted platform: it switches the provider's faults and reads its ledger.");
        }

        using var gateway = BenchClient.Create(context.CreateClient("gateway").BaseAddress!, MaxConnections);
        var notes = new JsonArray();
        var setup = Stopwatch.StartNew();

        var provider = platform is null ? null : await ChaosProvider.CreateAsync(context, platform, cancellationToken);
        if (provider is not null)
        {
            var switched = await provider.SetFaultsAsync(null, null, ProviderLatencyMs, cancellationToken);
            if (switched["latency_ms"]?.GetValue<int>() != ProviderLatencyMs)
            {
                throw new InvalidOperationException($"The provider did not take latency_ms={ProviderLatencyMs}: {switched.ToJsonString()}");
            }
        }
        else
        {
            notes.Add("--target: the payment provider is not reachable, so its latency is whatever the target runs with and double_charges is not checked (null)");
            notes.Add("--target: Ordering's database is not reachable: orders are followed with GET api/orders/{id} (load on the target) and duplicates counted from responses and each buyer's GET api/orders total");
        }

        var offers = await OrderBench.CreateOffersAsync(context, gateway, "checkout", Products, StockPerOffer, cancellationToken);
        var buyers = await OrderBench.RegisterBuyersAsync(context, Buyers, cancellationToken);
        Console.WriteLine($"Setup: {offers.Count} offers with {StockPerOffer:N0} units each, {buyers.Count} buyers, provider latency " +
            $"{(provider is null ? "unchanged (--target)" : $"{ProviderLatencyMs} ms")}, in {setup.Elapsed.TotalSeconds:0.0} s");
        var setupSeconds = setup.Elapsed.TotalSeconds;

        await using var orderingDb = platform is null ? null : NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("orderingdb"));
        await using var orders = new CheckoutOrders(gateway, context.Identity, orderingDb, buyers);
        var shopper = new CheckoutShopper(gateway, context.Identity, orders, offers);

        // 0. Prime: a cold Ordering (JIT, pools, EF model) answers its first POSTs after seconds; at 50/s that would start
        // the steady phase behind a backlog of hundreds of orders. A few rounds of orders through the whole saga first.
        var priming = Stopwatch.StartNew();
        var prime = new CheckoutPhase("prime", context.Options with { Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(1) });
        for (var round = 0; round < PrimeRounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, PrimeOrdersPerRound).Select(_ => shopper.OrderAsync(prime, null, cancellationToken, cancellationToken)));
        }

        var primeNotAtRest = await CheckoutOrders.WaitForRestAsync(prime.Orders.ToList(), DrainTimeout, cancellationToken);
        Console.WriteLine($"Primed the checkout path with {prime.AcceptedAll} orders ({prime.FailedAll} failed, {primeNotAtRest} not at rest) in {priming.Elapsed.TotalSeconds:0.0} s");

        // Faults (if asked for) from the steady phase's start until the saturation window closes; never while priming.
        var drainTimeout = faults ? FaultsDrainTimeout : DrainTimeout;
        var clock = Stopwatch.StartNew();
        using var rotation = faults
            ? new FaultRotation(provider!, FaultModes, FaultShare, ProviderLatencyMs, () => ResourceKiller.Pid(platform!, "payment-provider"), clock, FaultPacing)
            : null;
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var faulting = rotation?.RunAsync(stopFaults.Token) ?? Task.CompletedTask;

        // 1. Steady: open loop at the target rate; new orders exactly SteadyOrdersPerSecond, resends on top.
        var steady = new CheckoutPhase("steady", context.Options);
        var steadyWindow = InWindowAsync(platform, provider, rotation, steady, cancellationToken);
        await using (new CheckoutProgress(steady, orders, rotation))
        {
            await OpenLoopAsync(shopper, steady, cancellationToken);
            steady.NotAtRest = await CheckoutOrders.WaitForRestAsync(steady.Orders.ToList(), drainTimeout, cancellationToken);
        }

        var steadyFigures = await steadyWindow;

        // 2. Saturation: closed loop, bounded by the buyer pool; a shorter window, the platform is warm by now.
        var saturationOptions = context.Options with
        {
            Warmup = TimeSpan.FromSeconds(Math.Min(5, context.Options.Warmup.TotalSeconds)),
            Duration = TimeSpan.FromSeconds(Math.Max(10, Math.Round(context.Options.Duration.TotalSeconds / 2))),
        };
        orders.LimitCirculation(SaturationBuyers);
        var saturation = new CheckoutPhase("saturation", saturationOptions);
        var saturationWindow = InWindowAsync(platform, provider, rotation, saturation, cancellationToken);
        await using (new CheckoutProgress(saturation, orders, rotation))
        {
            await ClosedLoopAsync(shopper, saturation, context.Options.Concurrency, cancellationToken);
            if (rotation is not null)
            {
                await stopFaults.CancelAsync();
                await faulting;
                await rotation.ClearAsync(cancellationToken);
                Console.WriteLine($"[checkout] faults cleared at {clock.Elapsed.TotalSeconds:0} s: {rotation.Served} served of {rotation.Set} set");
            }

            saturation.NotAtRest = await CheckoutOrders.WaitForRestAsync(orders.All.ToList(), drainTimeout, cancellationToken);
        }

        var saturationFigures = await saturationWindow;

        // The server stamps the timeline; the bench's window is in its own clock. Same box when self-hosted (≈ 0).
        var clockOffset = CheckoutFigures.ServerClockOffset(orders.All);
        var ledger = provider is null ? null : await provider.LedgerAsync(cancellationToken);
        // Clean, an order is settled only once confirmed; with faults, a failed one whose capture (if any) is refunded is too.
        var settledBy = faults ? ledger : null;
        var steadyResult = steady.ToLoadResult();
        var confirmed = CheckoutFigures.ConfirmedLatencies(steady.Orders.Where(o => o.Measured), settledBy);
        var throughput = CheckoutFigures.Throughput(orders.All, saturation, clockOffset);
        var duplicates = await CheckoutFigures.DuplicatesAsync(shopper, orders, orderingDb, gateway, context.Identity, buyers, cancellationToken);
        var ledgerJson = ledger is null ? null : CheckoutFigures.Ledger(ledger, orders.All);

        var scheduleHeld = steady.ScheduleHeld(SteadyOrdersPerSecond, ScheduleToleranceMs);
        var acceptedMet = scheduleHeld && steadyResult.Errors == 0 && steadyResult.P99Ms <= GoalAcceptedP99Ms;
        var confirmedMet = confirmed.Count > 0 && confirmed.Unsettled == 0 && confirmed.P99Ms <= GoalConfirmedP99Ms;
        var throughputMet = throughput.OrdersPerSecond >= GoalOrdersPerSecond;
        var doubleCharges = ledgerJson?["double_charges"]?.GetValue<int>();
        var moneyHeld = ledgerJson?["charged_not_confirmed_unrefunded"]?.GetValue<int>();

        context.Headline["accepted_p50_ms"] = steadyResult.P50Ms;
        context.Headline["accepted_p99_ms"] = steadyResult.P99Ms;
        context.Headline["confirmed_p50_ms"] = confirmed.P50Ms;
        context.Headline["confirmed_p99_ms"] = confirmed.P99Ms;
        context.Headline["orders_per_s"] = throughput.OrdersPerSecond;
        context.Headline["duplicate_orders"] = duplicates.Count;
        context.Headline["double_charges"] = doubleCharges;
        var settledGoal = faults ? "every steady order at rest (confirmed, or failed with any capture refunded)" : "every steady order confirmed";
        var goals = new JsonObject
        {
            ["accepted_p99_ms"] = CheckoutFigures.Goal(
                $"≤ {GoalAcceptedP99Ms} ms at {SteadyOrdersPerSecond} orders/s (open loop held: sends ≤ {ScheduleToleranceMs} ms late at p99), no failed order",
                steadyResult.P99Ms,
                acceptedMet),
            ["confirmed_p99_ms"] = CheckoutFigures.Goal($"≤ {GoalConfirmedP99Ms} ms, {settledGoal}", confirmed.P99Ms, confirmedMet),
            ["orders_per_s"] = CheckoutFigures.Goal($"≥ {GoalOrdersPerSecond} confirmed orders/s sustained", throughput.OrdersPerSecond, throughputMet),
            ["duplicate_orders"] = CheckoutFigures.Goal("0", duplicates.Count, duplicates.Count == 0),
            ["double_charges"] = CheckoutFigures.Goal("0", doubleCharges, doubleCharges is null ? null : doubleCharges == 0),
        };
        if (faults)
        {
            goals["charged_not_confirmed_unrefunded"] = CheckoutFigures.Goal("0", moneyHeld, moneyHeld is null ? null : moneyHeld == 0);
        }

        context.Headline["goals"] = goals;
        context.Headline["goals_met"] = acceptedMet && confirmedMet && throughputMet && duplicates.Count == 0 && (doubleCharges is null or 0) && (moneyHeld is null or 0);

        var steadyJson = steady.ToJson(orders);
        steadyJson["schedule_held"] = scheduleHeld;
        steadyJson["confirmed"] = confirmed.Json;
        steadyJson["saga_stages"] = CheckoutFigures.Stages(steady.Orders.Where(o => o.Measured));
        steadyJson["in_window"] = steadyFigures;
        var saturationJson = saturation.ToJson(orders);
        saturationJson["workers"] = context.Options.Concurrency;
        saturationJson["confirmed_in_window"] = throughput.Json;
        saturationJson["buyers_in_circulation"] = SaturationBuyers;
        saturationJson["confirmed"] = CheckoutFigures.ConfirmedLatencies(saturation.Orders.Where(o => o.Measured), settledBy).Json;
        saturationJson["saga_stages"] = CheckoutFigures.Stages(saturation.Orders.Where(o => o.Measured));
        saturationJson["in_window"] = saturationFigures;

        context.Metrics["steady"] = steadyJson;
        context.Metrics["saturation"] = saturationJson;
        context.Metrics["orders"] = CheckoutFigures.Outcomes(orders.All, ledger);
        context.Metrics["duplicates"] = duplicates.Json;
        context.Metrics["ledger"] = ledgerJson ?? (JsonNode)"not checked (--target)";
        if (rotation is not null)
        {
            context.Metrics["faults"] = rotation.ToJson();
        }

        context.Metrics["order_4xx_without_body"] = shopper.BodilessRefusalsJson();
        context.Metrics["setup"] = new JsonObject
        {
            ["offers"] = offers.Count,
            ["stock_per_offer"] = StockPerOffer,
            ["buyers"] = buyers.Count,
            ["provider_latency_ms"] = provider is null ? "as the target runs" : ProviderLatencyMs,
            ["payment_method"] = OrderBench.Card,
            ["resend_every"] = ResendEvery,
            ["setup_s"] = Math.Round(setupSeconds, 1),
            ["primed_with_orders"] = prime.AcceptedAll,
        };
        context.Metrics["follow_up"] = new JsonObject
        {
            ["orders"] = orderingDb is null ? "GET api/orders/{id} every 500 ms per pending order" : "one orderingdb query every 200 ms for all pending orders",
            ["cart_polls"] = orders.CartPolls,
            ["carts_not_clean_at_add"] = shopper.UncleanCarts,
            ["problems"] = OrderBench.Counts(orders.Problems),
        };
        context.Metrics["server_clock_offset_ms"] = Math.Round(clockOffset.TotalMilliseconds, 1);
        context.Metrics["path"] = platform is null ? "through the --target gateway" : "through the self-hosted gateway";
        context.Metrics["gateway_rate_limits"] = platform is null ? "as configured on the target" : GatewayOverheadScenario.LiftedRateLimitsText;
        if (faults)
        {
            notes.Add($"faults: about {FaultShare:P0} of the provider's calls, from the steady phase's start until the saturation window closed (not while priming, not in the final drain); modes in turn: {string.Join(", ", FaultModes)}");
            notes.Add("confirmed_p50_ms / confirmed_p99_ms are over confirmed orders; a declined order fails (nothing captured) and counts as at rest, as does a failed order whose capture was refunded in full");
            notes.Add("double_charges: order references with more than one capture; ledger.charged_not_confirmed_unrefunded: orders not confirmed that still hold a capture not refunded in full (must be 0)");
            var comparison = CheckoutComparison.Load(Path.Combine(RepositoryPaths.Root, "bench", "results", "checkout.json"));
            context.Metrics["clean_run"] = comparison.Json;
            context.MarkdownPreface = comparison.Markdown;
        }

        context.Metrics["notes"] = notes;

        Console.WriteLine(steadyResult.Summary("steady 202 (new orders)"));
        Console.WriteLine($"confirmed (server timeline): p50 {confirmed.P50Ms:0.0} ms, p99 {confirmed.P99Ms:0.0} ms, {confirmed.Unsettled} not {(faults ? "at rest" : "confirmed")}");
        Console.WriteLine($"saturation: {throughput.OrdersPerSecond:0.0} confirmed orders/s over {saturation.Options.Duration.TotalSeconds:0} s");
        Console.WriteLine($"duplicate orders {duplicates.Count}, double charges {(doubleCharges?.ToString(CultureInfo.InvariantCulture) ?? "not checked")}" +
            (faults ? $", charged but not confirmed and not refunded {moneyHeld}" : ""));
        Console.WriteLine($"goals: 202 p99 {(acceptedMet ? "met" : "NOT met")}, confirmation p99 {(confirmedMet ? "met" : "NOT met")}, throughput {(throughputMet ? "met" : "NOT met")}");
        return steadyResult;
    }

    /// <summary>Sends on a fixed schedule: submission n is due at n / rate whatever earlier ones are doing.</summary>
    private static async Task OpenLoopAsync(CheckoutShopper shopper, CheckoutPhase phase, CancellationToken cancellationToken)
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

            await CheckoutPhase.DelayUntilAsync(due - ahead, cancellationToken);
            var resend = n % ResendEvery == ResendEvery - 1;
            arrivals.Add(Task.Run(() => resend ? shopper.ResendAsync(phase, due, cancellationToken) : shopper.OrderAsync(phase, due, cancellationToken, cancellationToken), cancellationToken));
        }

        await Task.WhenAll(arrivals);
    }

    /// <summary>Workers that order again as soon as they have a free buyer; the pool bounds the orders in flight.</summary>
    private static async Task ClosedLoopAsync(CheckoutShopper shopper, CheckoutPhase phase, int workers, CancellationToken cancellationToken)
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

    /// <summary>Provider traffic and CPU per resource between the phase's window start and end (self-hosted only).</summary>
    private static async Task<JsonObject> InWindowAsync(
        PlatformFixture? platform, ChaosProvider? provider, FaultRotation? faults, CheckoutPhase phase, CancellationToken cancellationToken)
    {
        await CheckoutPhase.DelayUntilAsync(phase.Window.From, cancellationToken);
        var figures = new JsonObject();
        // With faults on, the rotation reads the same counter, so it does the reset (else it would take it for a restart).
        var statsReset = provider is not null && await TryAsync(
            figures, "provider_stats_error", () => faults is null ? provider.ResetStatsAsync(cancellationToken) : faults.ResetStatsAsync(cancellationToken));
        var before = platform is null ? null : CpuSample(platform);
        var faultsBefore = faults?.Served;
        await CheckoutPhase.DelayUntilAsync(phase.Window.Until, cancellationToken);
        if (faults is not null)
        {
            figures["faults_served"] = faults.Served - faultsBefore;
        }

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
}
