using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// Issue 14's chaos soak, bounded and self-hosted: <see cref="Orders"/> buyer visits through the gateway at
/// <see cref="VisitsPerSecond"/> a second (each its own buyer: one unit into the cart, then POST api/orders with one
/// Idempotency-Key), with a 50 ms provider, while
/// <list type="bullet">
/// <item>each process of the money path (<see cref="Victims"/>, in a random order: the kill matrix) is SIGKILLed in
/// its own slice of the visits, about every 11 s, each time waiting for the supervisor to bring it back healthy;</item>
/// <item>the provider's fault switch is paced by its own traffic so that about every tenth call meets the next of
/// <see cref="FaultRotation.RecoverableModes"/>;</item>
/// <item>a tenth of the visits send their POST twice with the same key, some buyers cancel within 3 s of the 202, and
/// every client retries what failed (same key) until it gets an answer that decides.</item>
/// </list>
/// Stock is limited (a little below the visits) so selling more than there is would show. When the chaos stops (last
/// kill healthy again, faults cleared) the time until every order is CONFIRMED or FAILED is measured from Ordering's
/// database, and the outcome is checked against the sources of truth: the provider's ledger (double charges,
/// over-refunds), Inventory's stock rows (oversells) and Ordering's orders (lost orders, duplicates per key).
/// </summary>
public sealed class ChaosScenario : IScenario
{
    // 1 000 visits at 15/s: six slices of about 11 s, one per kill; a slow restart holds the next slice back.
    private const int Orders = 1_000;
    private const double VisitsPerSecond = 15;
    private const int Products = 8;

    // Two sellers per product: 16 offers × 56 = 896 units for 1 000 visits. Cancelled and failed orders give theirs back.
    private const int StockPerOffer = 56;
    private const int ProviderLatencyMs = 50;
    private const double DuplicateShare = 0.10;
    private const double CancelShare = 0.05;
    private const double FaultShare = 0.10;
    private const int MaxConnections = 1024;

    private static readonly string[] Victims = ["ordering", "inventory", "payment", "cdc", "payment-provider", "kafka"];

    // Cancels land before the charge (nothing to refund) or after it, up to a confirmed order (refunded in full).
    private static readonly TimeSpan CancelWithin = TimeSpan.FromSeconds(3);
    private static readonly (double Min, double Max) KillIntoSlice = (2, 6);
    private static readonly TimeSpan RestartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ClientGivesUpAfter = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Drain = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(30);

    private bool _invariantsHeld;

    public string Name => "chaos";

    public string Description =>
        $"{Orders:N0} buyer visits at {VisitsPerSecond}/s under SIGKILLs (ordering, inventory, payment, cdc, provider, kafka), 10 % provider faults, " +
        "10 % duplicate POSTs, cancels: lost orders, double charges, over-refunds, oversells, time to all terminal (self-hosted only)";

    // Every bench request comes from one IP, and retries during an outage come in bursts.
    public IReadOnlyDictionary<string, string> AppHostSettings => GatewayOverheadScenario.LiftedRateLimits;

    public bool Succeeded(LoadResult result) => result.Requests > 0 && _invariantsHeld;

    public async Task<LoadResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = context.Platform
            ?? throw new InvalidOperationException("chaos needs the self-hosted platform: it kills its processes and reads its databases.");
        var seed = Environment.TickCount;
        var random = new Random(seed);
        using var gateway = BenchClient.Create(context.CreateClient("gateway").BaseAddress!, MaxConnections);
        var provider = await ChaosProvider.CreateAsync(context, platform, cancellationToken);
        await provider.SetFaultsAsync(null, null, ProviderLatencyMs, cancellationToken);

        var setup = Stopwatch.StartNew();
        await using var orderingDb = NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("orderingdb"));
        await using var inventoryDb = NpgsqlDataSource.Create(await platform.GetConnectionStringAsync("inventorydb"));
        var offers = await OrderBench.CreateOffersAsync(context, gateway, "chaos", Products, StockPerOffer, cancellationToken);
        var buyers = await OrderBench.RegisterBuyersAsync(context, Orders, cancellationToken);
        var buyerIds = buyers.Select(b => b.Id).ToArray();
        var checks = new ChaosChecks(provider, orderingDb, inventoryDb, buyerIds);
        var initialStock = await checks.StockAsync(offers, cancellationToken);
        var arrivals = buyers
            .Select((buyer, i) => new ChaosArrival(
                buyer,
                offers[i % offers.Count],
                duplicate: random.NextDouble() < DuplicateShare,
                duplicateAfter: TimeSpan.FromMilliseconds(random.Next(0, 300)),
                cancel: random.NextDouble() < CancelShare,
                cancelAfter: TimeSpan.FromMilliseconds(random.Next(0, (int)CancelWithin.TotalMilliseconds))))
            .ToArray();
        var setupSeconds = setup.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"Setup: {offers.Count} offers × {StockPerOffer} units ({initialStock.Values.Sum(s => s.OnHand)} in all) for {Orders:N0} visits, " +
            $"{buyers.Count} buyers, {arrivals.Count(a => a.Duplicate)} duplicate POSTs and {arrivals.Count(a => a.Cancel)} cancels planned, seed {seed}, in {setupSeconds:0.0} s");

        // The soak: visits on an open-loop schedule, kills and faults beside them.
        var shopper = new ChaosShopper(gateway, context.Identity, ClientGivesUpAfter);
        var visits = new ConcurrentQueue<Task>();
        var kills = new ConcurrentQueue<(double AtS, ResourceKiller.Kill Kill)>();
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var soak = Stopwatch.StartNew();
        using var faults = new FaultRotation(
            provider, FaultRotation.RecoverableModes, FaultShare, ProviderLatencyMs, () => ResourceKiller.Pid(platform, "payment-provider"), soak);
        var faulting = faults.RunAsync(stopFaults.Token);
        var progress = new ChaosProgress(arrivals, kills, faults, soak, orderingDb, buyerIds);
        await using (progress)
        {
            await SoakAsync(platform, random, arrivals, shopper, visits, kills, soak, cancellationToken);
            var soakSeconds = soak.Elapsed.TotalSeconds;
            await stopFaults.CancelAsync();
            await faulting;
            await faults.ClearAsync(cancellationToken);
            var chaosStopped = Stopwatch.StartNew();
            var chaosStoppedAt = DateTimeOffset.UtcNow;
            var chaosSeconds = soak.Elapsed.TotalSeconds;
            Console.WriteLine($"[chaos] chaos stopped at {soak.Elapsed.TotalSeconds:0} s ({kills.Count} kills, faults cleared); draining (at most {Drain.TotalMinutes:0} min)");

            // Drain: every visit has its answer and every order of the bench's buyers is at rest.
            var allVisits = Task.WhenAll(visits);
            double? terminalAfter = null;
            List<ChaosOrderRow> orders = [];
            var drainProblems = new ConcurrentDictionary<string, long>();
            while (true)
            {
                try
                {
                    orders = await checks.OrdersAsync(cancellationToken);
                }
                catch (NpgsqlException ex)
                {
                    drainProblems.AddOrUpdate(ex.GetType().Name, 1, (_, n) => n + 1);
                }

                var known = orders.Select(o => o.Id).ToHashSet();
                if (allVisits.IsCompleted && orders.All(o => o.AtRest) && arrivals.All(a => a.OrderIds.All(known.Contains)))
                {
                    terminalAfter = Math.Round(chaosStopped.Elapsed.TotalSeconds, 1);
                    break;
                }

                if (chaosStopped.Elapsed > Drain)
                {
                    break;
                }

                await Task.Delay(DrainPollInterval, cancellationToken);
            }

            Console.WriteLine(terminalAfter is { } seconds
                ? $"[chaos] every order at rest {seconds:0.0} s after the chaos stopped"
                : $"[chaos] NOT every order at rest after {Drain.TotalMinutes:0} min: {orders.Count(o => !o.AtRest)} of {orders.Count} still moving");
            await allVisits;

            // The sources of truth.
            var outcome = await checks.CheckAsync(arrivals, initialStock, chaosStoppedAt, cancellationToken);
            JsonObject? recheck = null;
            if (outcome.Findings > 0)
            {
                // At rest means settled, so a finding should not move; whether it does says if it is a lag or a loss.
                await Task.Delay(RecheckAfter, cancellationToken);
                recheck = (await checks.CheckAsync(arrivals, initialStock, chaosStoppedAt, cancellationToken)).Json;
            }

            var evidence = outcome.Findings > 0 ? await ChaosEvidence.CollectAsync(platform, orderingDb, outcome.FindingOrderIds, cancellationToken) : null;
            var lastRest = await checks.LastRestAsync(cancellationToken);
            _invariantsHeld = outcome.Findings == 0 && terminalAfter is not null;

            context.Headline["orders"] = outcome.Orders;
            context.Headline["lost_orders"] = outcome.LostOrders;
            context.Headline["double_charges"] = outcome.DoubleCharges;
            context.Headline["over_refunds"] = outcome.OverRefunds;
            context.Headline["oversells"] = outcome.Oversells;
            context.Headline["terminal_after_s"] = terminalAfter;
            context.Headline["duplicate_orders"] = outcome.DuplicateOrders;
            context.Headline["invariants_held"] = _invariantsHeld;

            context.Metrics["visits"] = VisitsJson(arrivals, shopper);
            context.Metrics["checks"] = outcome.Json;
            if (recheck is not null)
            {
                context.Metrics["checks_30s_later"] = recheck;
            }

            context.Metrics["kills"] = new JsonArray([.. kills.Select(k => (JsonNode)new JsonObject
            {
                ["resource"] = k.Kill.Resource,
                ["at_s"] = Math.Round(k.AtS, 1),
                ["old_pid"] = k.Kill.OldPid,
                ["new_pid"] = k.Kill.NewPid,
                ["back_healthy_after_s"] = Math.Round(k.Kill.Down.TotalSeconds, 1),
                ["processes_killed"] = k.Kill.Killed.Count,
                ["survivors"] = new JsonArray([.. k.Kill.Survivors.Select(pid => (JsonNode)pid)]),
                ["failure"] = k.Kill.Failure,
            })]);
            context.Metrics["faults"] = faults.ToJson();
            context.Metrics["saga_steps_every_5s"] = progress.Steps;
            context.Metrics["drain"] = new JsonObject
            {
                ["terminal_after_s"] = terminalAfter,
                ["all_terminal"] = terminalAfter is not null,
                ["bound_s"] = Drain.TotalSeconds,
                ["last_order_at_rest_after_chaos_stop_s"] = lastRest is { } at ? Math.Round((at - chaosStoppedAt).TotalSeconds, 1) : null,
                ["poll"] = $"orderingdb every {DrainPollInterval.TotalSeconds:0} s: saga_step Confirmed or Failed for every order of the bench's buyers, and every visit answered",
                ["problems"] = OrderBench.Counts(drainProblems),
            };
            context.Metrics["soak"] = new JsonObject
            {
                ["visits"] = Orders,
                ["visits_per_s"] = VisitsPerSecond,
                ["soak_s"] = Math.Round(soakSeconds, 1),
                ["chaos_stopped_at_s"] = Math.Round(chaosSeconds, 1),
                ["seed"] = seed,
                ["duplicate_share"] = DuplicateShare,
                ["cancel_share"] = CancelShare,
                ["fault_share"] = FaultShare,
                ["visits_per_kill"] = (int)Math.Ceiling(Orders / (double)Victims.Length),
                ["kill_into_slice_s"] = $"{KillIntoSlice.Min}–{KillIntoSlice.Max} (the next slice starts once the killed resource is healthy again)",
                ["client_gives_up_after_s"] = ClientGivesUpAfter.TotalSeconds,
            };
            context.Metrics["setup"] = new JsonObject
            {
                ["offers"] = offers.Count,
                ["stock_per_offer"] = StockPerOffer,
                ["stock_total"] = initialStock.Values.Sum(s => s.OnHand),
                ["buyers"] = buyers.Count,
                ["provider_latency_ms"] = ProviderLatencyMs,
                ["payment_method"] = OrderBench.Card,
                ["setup_s"] = Math.Round(setupSeconds, 1),
            };
            if (evidence is not null)
            {
                context.Metrics["evidence"] = evidence;
            }

            context.Metrics["path"] = "through the self-hosted gateway";
            context.Metrics["gateway_rate_limits"] = GatewayOverheadScenario.LiftedRateLimitsText;
            context.Metrics["notes"] = new JsonArray(
                "rps, p50/p95/p99 and errors are over the visits that sent their POST: accepted per second of soak, and first POST → first 202 with every retry in it; errors are visits that never got a 202",
                "duration_s, warmup_s and concurrency under metrics are the CLI's defaults; chaos does not use them (the soak's own figures are under soak)",
                "double_charges: an order with more than one capture, or a FAILED order whose captures are not refunded in full; over_refunds: refunds above captures; oversells: units sold (on-hand drop since setup) above the quantities of CONFIRMED orders, per offer, plus any negative on-hand");

            Console.WriteLine(
                $"chaos: {outcome.Orders} orders, {outcome.LostOrders} lost, {outcome.DoubleCharges} double charges, {outcome.OverRefunds} over-refunds, " +
                $"{outcome.Oversells} oversold, {outcome.DuplicateOrders} duplicates; all terminal {(terminalAfter is { } t ? $"{t:0.0} s" : "NEVER")} after the chaos stopped; " +
                $"{kills.Count} kills over a {soakSeconds:0} s soak");
            return LoadResultOf(arrivals, TimeSpan.FromSeconds(soakSeconds));
        }
    }

    /// <summary>
    /// The kill matrix as the soak's rhythm: the visits are cut into one slice per victim (in a random order), each sent at
    /// <see cref="VisitsPerSecond"/> (never waiting for earlier visits), and 2–6 s into its slice the victim is SIGKILLed.
    /// The next slice starts once the slice is sent and the victim is healthy again, so every kill, the last one too,
    /// lands while orders are in flight (about 11 s apart when restarts are quick). A victim that does not come back ends
    /// the kills; the visits go on, and the drain and the checks show what that did.
    /// </summary>
    private static async Task SoakAsync(
        PlatformFixture platform,
        Random random,
        ChaosArrival[] arrivals,
        ChaosShopper shopper,
        ConcurrentQueue<Task> visits,
        ConcurrentQueue<(double AtS, ResourceKiller.Kill Kill)> kills,
        Stopwatch soak,
        CancellationToken cancellationToken)
    {
        var matrix = Victims.OrderBy(_ => random.Next()).ToArray();
        var perSlice = (int)Math.Ceiling(arrivals.Length / (double)matrix.Length);
        var killing = true;
        for (var slice = 0; slice < matrix.Length; slice++)
        {
            var after = TimeSpan.FromSeconds(KillIntoSlice.Min + (random.NextDouble() * (KillIntoSlice.Max - KillIntoSlice.Min)));
            var kill = killing ? KillAsync(platform, matrix[slice], after, kills, soak, cancellationToken) : Task.FromResult<ResourceKiller.Kill?>(null);
            var started = Stopwatch.GetTimestamp();
            foreach (var (arrival, n) in arrivals.Skip(slice * perSlice).Take(perSlice).Select((arrival, n) => (arrival, n)))
            {
                var wait = TimeSpan.FromSeconds(n / VisitsPerSecond) - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                visits.Enqueue(Task.Run(() => shopper.VisitAsync(arrival, cancellationToken), cancellationToken));
            }

            if (await kill is { Failure: not null, OldPid: not null } stayedDown)
            {
                Console.Error.WriteLine($"[chaos] {stayedDown.Resource} did not come back: no more kills");
                killing = false;
            }
        }
    }

    private static async Task<ResourceKiller.Kill?> KillAsync(
        PlatformFixture platform, string resource, TimeSpan after, ConcurrentQueue<(double AtS, ResourceKiller.Kill Kill)> kills, Stopwatch soak, CancellationToken cancellationToken)
    {
        await Task.Delay(after, cancellationToken);
        var at = soak.Elapsed.TotalSeconds;
        Console.WriteLine($"[chaos] {at,4:0}s SIGKILL {resource}");
        var kill = await ResourceKiller.KillAndWaitForRestartAsync(platform, resource, RestartTimeout, cancellationToken);
        kills.Enqueue((at, kill));
        Console.WriteLine(kill.Failure is null
            ? $"[chaos] {soak.Elapsed.TotalSeconds,4:0}s {resource} back healthy after {kill.Down.TotalSeconds:0.0} s (pid {kill.OldPid} → {kill.NewPid})"
            : $"[chaos] {soak.Elapsed.TotalSeconds,4:0}s {resource}: {kill.Failure}");
        return kill;
    }

    private static JsonObject VisitsJson(ChaosArrival[] arrivals, ChaosShopper shopper)
    {
        var accept = new Percentiles([arrivals.Where(a => a.AcceptTicks is not null).Select(a => a.AcceptTicks!.Value).ToArray()]);
        return new JsonObject
        {
            ["planned"] = arrivals.Length,
            ["posted"] = arrivals.Count(a => a.Sent),
            ["outcomes"] = OrderBench.CountBy(arrivals, a => a.Outcome),
            ["duplicate_posts"] = arrivals.Count(a => a.Duplicate && a.Sent),
            ["cancels"] = OrderBench.CountBy(arrivals.Where(a => a.CancelOutcome is not null), a => a.CancelOutcome!),
            ["accept_p50_ms"] = accept.Milliseconds(0.50),
            ["accept_p99_ms"] = accept.Milliseconds(0.99),
            ["accept_max_ms"] = accept.Milliseconds(1),
            ["requests"] = OrderBench.Counts(shopper.Attempts),
        };
    }

    private static LoadResult LoadResultOf(ChaosArrival[] arrivals, TimeSpan soak)
    {
        var posted = arrivals.Where(a => a.Sent).ToList();
        var ticks = posted.Where(a => a.AcceptTicks is not null).Select(a => a.AcceptTicks!.Value).ToArray();
        var percentiles = new Percentiles([ticks]);
        var refused = posted.Where(a => a.Outcome != ChaosArrival.Accepted).GroupBy(a => a.Outcome).ToDictionary(g => g.Key, g => (long)g.Count());
        return new LoadResult(
            posted.Count,
            refused.Values.Sum(),
            soak,
            percentiles.Milliseconds(0.50),
            percentiles.Milliseconds(0.95),
            percentiles.Milliseconds(0.99),
            refused)
        {
            LatencyTicks = ticks,
        };
    }
}
