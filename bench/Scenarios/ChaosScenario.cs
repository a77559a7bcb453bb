using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using AspireShop.Bench.Platform;
using AspireShop.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// Issue 14's chaos soak, bounded and self-hosted: <see cref="Orders"/> buyer visits through the gateway at
/// <see cref="VisitsPerSecond"/> a second (each its own buyer: one unit into the cart, then POST api/orders with one
/// Idempotency-Key), with a 50 ms provider, while
/// <list type="bullet">
/// <item>each process of the money path (<see cref="Victims"/>, in a random order: the kill matrix) is SIGKILLed in
/// its own slice of the visits, about every 11 s, each time waiting for the supervisor to bring it back healthy;</item>
/// <item>the provider's fault switch is paced by its own traffic so that about every tenth call meets the next mode of
/// <see cref="FaultModes"/>;</item>
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
    private const string Card = "4242424242424242";
    private const int MaxConnections = 1024;
    private const int EvidenceOrders = 10;
    private const int EvidenceLinesPerOrder = 15;

    private static readonly string[] Victims = ["ordering", "inventory", "payment", "cdc", "payment-provider", "kafka"];
    private static readonly string[] FaultModes = ["error_after_commit", "reset_after_commit", "error_before_commit", "rate_limit"];
    private static readonly TimeSpan FaultInterval = TimeSpan.FromSeconds(1);

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
        var offers = await CreateOffersAsync(context, gateway, cancellationToken);
        var initialStock = await StockAsync(inventoryDb, offers, cancellationToken);
        var buyers = await RegisterBuyersAsync(context, cancellationToken);
        var arrivals = buyers
            .Select((buyer, i) => new ChaosArrival(
                i,
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
        var shopper = new ChaosShopper(gateway, context.Identity, ClientGivesUpAfter, Card);
        var visits = new ConcurrentQueue<Task>();
        var kills = new ConcurrentQueue<(double AtS, ResourceKiller.Kill Kill)>();
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var soak = Stopwatch.StartNew();
        var faults = new FaultRotation(provider, () => ResourceKiller.Pid(platform, "payment-provider"), soak);
        var faulting = faults.RunAsync(stopFaults.Token);
        var buyerIds = buyers.Select(b => b.Id).ToArray();
        var progress = new ChaosProgress(arrivals, kills, faults, soak, orderingDb, buyerIds);
        await using (progress)
        {
            await SoakAsync(platform, random, arrivals, shopper, visits, kills, soak, cancellationToken);
            var soakSeconds = soak.Elapsed.TotalSeconds;
            await stopFaults.CancelAsync();
            await faulting;
            await faults.ClearAsync(ProviderLatencyMs, cancellationToken);
            var chaosStopped = Stopwatch.StartNew();
            var chaosStoppedAt = DateTimeOffset.UtcNow;
            var chaosSeconds = soak.Elapsed.TotalSeconds;
            Console.WriteLine($"[chaos] chaos stopped at {soak.Elapsed.TotalSeconds:0} s ({kills.Count} kills, faults cleared); draining (at most {Drain.TotalMinutes:0} min)");

            // Drain: every visit has its answer and every order of the bench's buyers is at rest.
            var allVisits = Task.WhenAll(visits);
            double? terminalAfter = null;
            List<OrderRow> orders = [];
            var drainProblems = new ConcurrentDictionary<string, long>();
            while (true)
            {
                try
                {
                    orders = await OrdersAsync(orderingDb, buyerIds, cancellationToken);
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
            var outcome = await CheckAsync(provider, orderingDb, inventoryDb, arrivals, buyerIds, initialStock, chaosStoppedAt, cancellationToken);
            JsonObject? recheck = null;
            if (outcome.Findings > 0)
            {
                // At rest means settled, so a finding should not move; whether it does says if it is a lag or a loss.
                await Task.Delay(RecheckAfter, cancellationToken);
                recheck = (await CheckAsync(provider, orderingDb, inventoryDb, arrivals, buyerIds, initialStock, chaosStoppedAt, cancellationToken)).Json;
            }

            var evidence = outcome.Findings > 0 ? await EvidenceAsync(platform, orderingDb, outcome.FindingOrderIds, cancellationToken) : null;
            var lastRest = await LastRestAsync(orderingDb, buyerIds, cancellationToken);
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
                ["problems"] = Counts(drainProblems),
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
                ["payment_method"] = Card,
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

    private sealed record OrderRow(Guid Id, Guid BuyerId, string Status, string Step, string? FailureReason, bool NeedsAttention, long TotalMinor)
    {
        public bool AtRest => Step is "Confirmed" or "Failed";
    }

    private static async Task<List<OrderRow>> OrdersAsync(NpgsqlDataSource orderingDb, Guid[] buyerIds, CancellationToken cancellationToken)
    {
        await using var command = orderingDb.CreateCommand(
            """
            SELECT id, buyer_id, status, saga_step, failure_reason, needs_attention_at IS NOT NULL, (total * 100)::bigint
            FROM orders WHERE buyer_id = ANY($1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = buyerIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<OrderRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new OrderRow(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5), reader.GetInt64(6)));
        }

        return rows;
    }

    /// <summary>The server's time of the last "confirmed" or "failed" step among the bench's orders.</summary>
    private static async Task<DateTimeOffset?> LastRestAsync(NpgsqlDataSource orderingDb, Guid[] buyerIds, CancellationToken cancellationToken)
    {
        await using var command = orderingDb.CreateCommand(
            """
            SELECT max(t.at) FROM order_timeline t JOIN orders o ON o.id = t.order_id
            WHERE o.buyer_id = ANY($1) AND t.step IN ('confirmed', 'failed')
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = buyerIds });
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    private sealed record Stock(int OnHand, int Reserved);

    private static async Task<Dictionary<(Guid SkuId, Guid SellerId), Stock>> StockAsync(
        NpgsqlDataSource inventoryDb, IReadOnlyList<(Guid SkuId, Guid SellerId)> offers, CancellationToken cancellationToken)
    {
        await using var command = inventoryDb.CreateCommand("SELECT sku_id, seller_id, on_hand, reserved FROM stock WHERE sku_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = offers.Select(o => o.SkuId).Distinct().ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var stock = new Dictionary<(Guid, Guid), Stock>();
        while (await reader.ReadAsync(cancellationToken))
        {
            stock[(reader.GetGuid(0), reader.GetGuid(1))] = new Stock(reader.GetInt32(2), reader.GetInt32(3));
        }

        var missing = offers.Where(o => !stock.ContainsKey(o)).ToList();
        return missing.Count == 0 ? stock : throw new InvalidOperationException($"Inventory has no stock row for {missing.Count} of the bench's offers.");
    }

    private sealed record Outcome(
        int Orders, int LostOrders, int DoubleCharges, int OverRefunds, int Oversells, int DuplicateOrders, IReadOnlyList<Guid> FindingOrderIds, JsonObject Json)
    {
        public int Findings => LostOrders + DoubleCharges + OverRefunds + Oversells + DuplicateOrders;
    }

    /// <summary>Every invariant, from the sources of truth: Ordering's orders, the provider's ledger, Inventory's stock rows.</summary>
    private static async Task<Outcome> CheckAsync(
        ChaosProvider provider,
        NpgsqlDataSource orderingDb,
        NpgsqlDataSource inventoryDb,
        ChaosArrival[] arrivals,
        Guid[] buyerIds,
        Dictionary<(Guid SkuId, Guid SellerId), Stock> initialStock,
        DateTimeOffset chaosStoppedAt,
        CancellationToken cancellationToken)
    {
        var orders = await OrdersAsync(orderingDb, buyerIds, cancellationToken);
        var byId = orders.ToDictionary(o => o.Id);
        var accepted = arrivals.SelectMany(a => a.OrderIds).ToHashSet();

        // Lost: a 202's order that Ordering does not have, or one still not at rest after the drain.
        var missing = accepted.Where(id => !byId.ContainsKey(id)).ToList();
        var notAtRest = orders.Where(o => !o.AtRest).ToList();
        var lost = missing.Concat(notAtRest.Select(o => o.Id)).Distinct().ToList();

        // Duplicates: each buyer sent one key, so one order per buyer at most; and one order id per key in the 202s.
        var perBuyer = orders.GroupBy(o => o.BuyerId).Where(g => g.Count() > 1).ToList();
        var duplicateOrders = perBuyer.Sum(g => g.Count() - 1);
        var keysWithTwoIds = arrivals.Count(a => a.OrderIds.Count > 1);

        // The ledger: captures and refunds per order reference.
        var (charges, refunds) = await provider.LedgerAsync(cancellationToken);
        var captured = charges.GroupBy(c => c.Reference).ToDictionary(g => g.Key, g => (Count: g.Count(), Amount: g.Sum(c => c.Amount)), StringComparer.Ordinal);
        var refunded = refunds.GroupBy(r => r.Reference).ToDictionary(g => g.Key, g => g.Sum(r => r.Amount), StringComparer.Ordinal);
        var knownReferences = orders.Select(o => o.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        var doubleCharged = new List<Guid>();
        var overRefunded = new List<Guid>();
        var confirmedWithoutCapture = new List<Guid>();
        var confirmedAmountMismatch = new List<Guid>();
        var confirmedButRefunded = new List<Guid>();
        var capturedNotAtRest = 0;
        foreach (var order in orders)
        {
            var reference = order.Id.ToString();
            var (count, amount) = captured.GetValueOrDefault(reference);
            var back = refunded.GetValueOrDefault(reference);
            if (back > amount)
            {
                overRefunded.Add(order.Id);
            }

            if (count > 1 || (order.Step == "Failed" && amount > back))
            {
                doubleCharged.Add(order.Id);
            }

            switch (order.Step)
            {
                case "Confirmed" when count == 0:
                    confirmedWithoutCapture.Add(order.Id);
                    break;
                case "Confirmed" when amount != order.TotalMinor:
                    confirmedAmountMismatch.Add(order.Id);
                    break;
                case "Confirmed" when back > 0:
                    confirmedButRefunded.Add(order.Id);
                    break;
                case not ("Confirmed" or "Failed") when amount > back:
                    capturedNotAtRest++;
                    break;
            }
        }

        // Stock: sold (on-hand drop since setup) against the units of CONFIRMED orders, per offer.
        var stock = await StockAsync(inventoryDb, [.. initialStock.Keys], cancellationToken);
        var confirmedUnits = await ConfirmedUnitsAsync(orderingDb, buyerIds, cancellationToken);
        var oversold = 0;
        var undersold = 0;
        var offers = new JsonArray();
        foreach (var (offer, before) in initialStock.OrderBy(s => s.Key.SkuId).ThenBy(s => s.Key.SellerId))
        {
            var now = stock[offer];
            var sold = before.OnHand - now.OnHand;
            var confirmed = confirmedUnits.GetValueOrDefault(offer);
            oversold += Math.Max(0, sold - confirmed) + Math.Max(0, -now.OnHand);
            undersold += Math.Max(0, confirmed - sold);
            offers.Add(new JsonObject
            {
                ["offer"] = $"{offer.SkuId}/{offer.SellerId}",
                ["on_hand_before"] = before.OnHand,
                ["on_hand_after"] = now.OnHand,
                ["reserved_after"] = now.Reserved,
                ["sold"] = sold,
                ["confirmed_units"] = confirmed,
            });
        }

        var findingIds = lost.Concat(doubleCharged).Concat(overRefunded).Concat(perBuyer.SelectMany(g => g.Select(o => o.Id))).Distinct().ToList();
        var allIds = accepted.Concat(orders.Select(o => o.Id)).ToHashSet();
        var json = new JsonObject
        {
            ["orders"] = new JsonObject
            {
                ["in_orderingdb"] = orders.Count,
                ["accepted_ids_in_202s"] = accepted.Count,
                ["confirmed"] = orders.Count(o => o.Step == "Confirmed"),
                ["failed"] = Counts(orders.Where(o => o.Step == "Failed").GroupBy(o => o.FailureReason ?? "(none)").ToDictionary(g => g.Key, g => (long)g.Count())),
                ["not_at_rest"] = Counts(notAtRest.GroupBy(o => o.Step + (o.NeedsAttention ? " (needs attention)" : "")).ToDictionary(g => g.Key, g => (long)g.Count())),
                ["failed_step_with_another_status"] = orders.Count(o => o.Step == "Failed" && o.Status != "FAILED"),
                ["only_in_orderingdb"] = orders.Count(o => !accepted.Contains(o.Id)),
            },
            ["lost_orders"] = new JsonObject
            {
                ["count"] = lost.Count,
                ["accepted_but_missing_from_orderingdb"] = Ids(missing),
                ["not_at_rest_after_drain"] = Ids(notAtRest.Select(o => o.Id)),
            },
            ["duplicates"] = new JsonObject
            {
                ["extra_orders_per_buyer_key"] = duplicateOrders,
                ["keys_whose_202s_carry_two_ids"] = keysWithTwoIds,
                ["order_ids"] = Ids(perBuyer.SelectMany(g => g.Select(o => o.Id))),
                ["method"] = "orderingdb: each buyer sent exactly one Idempotency-Key, so every order beyond its first is a duplicate",
            },
            ["ledger"] = new JsonObject
            {
                ["charges"] = charges.Count,
                ["refunds"] = refunds.Count,
                ["captured_minor"] = charges.Sum(c => c.Amount),
                ["refunded_minor"] = refunds.Sum(r => r.Amount),
                ["double_charged"] = Ids(doubleCharged),
                ["over_refunded"] = Ids(overRefunded),
                ["confirmed_without_capture"] = Ids(confirmedWithoutCapture),
                ["confirmed_amount_mismatch"] = Ids(confirmedAmountMismatch),
                ["confirmed_but_refunded"] = Ids(confirmedButRefunded),
                ["captured_unrefunded_not_at_rest"] = capturedNotAtRest,
                ["charges_for_other_references"] = charges.Count(c => !knownReferences.Contains(c.Reference)),
                // When the money moved: captures during the chaos, or only once it stopped (a backlog the drain worked off).
                ["charges_created_after_chaos_stopped"] = charges.Count(c => c.Created >= chaosStoppedAt.ToUnixTimeSeconds()),
            },
            ["stock"] = new JsonObject
            {
                ["oversold_units"] = oversold,
                ["confirmed_units_not_taken_from_stock"] = undersold,
                ["sold_units"] = initialStock.Sum(s => s.Value.OnHand - stock[s.Key].OnHand),
                ["confirmed_units"] = confirmedUnits.Values.Sum(),
                ["offers"] = offers,
            },
        };
        return new Outcome(allIds.Count, lost.Count, doubleCharged.Count, overRefunded.Count, oversold, duplicateOrders, findingIds, json);
    }

    private static async Task<Dictionary<(Guid SkuId, Guid SellerId), int>> ConfirmedUnitsAsync(NpgsqlDataSource orderingDb, Guid[] buyerIds, CancellationToken cancellationToken)
    {
        await using var command = orderingDb.CreateCommand(
            """
            SELECT l.sku_id, l.seller_id, sum(l.quantity)::int FROM order_lines l JOIN orders o ON o.id = l.order_id
            WHERE o.buyer_id = ANY($1) AND o.saga_step = 'Confirmed'
            GROUP BY l.sku_id, l.seller_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = buyerIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var units = new Dictionary<(Guid, Guid), int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            units[(reader.GetGuid(0), reader.GetGuid(1))] = reader.GetInt32(2);
        }

        return units;
    }

    /// <summary>
    /// For orders behind a finding: their saga timeline from orderingdb and the resource log lines that name them. The
    /// run's logs are copied out first, since the platform's data directory is deleted when it stops.
    /// </summary>
    private static async Task<JsonObject> EvidenceAsync(PlatformFixture platform, NpgsqlDataSource orderingDb, IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken)
    {
        var ids = orderIds.Take(EvidenceOrders).ToArray();
        var evidence = new JsonObject { ["orders_with_findings"] = orderIds.Count };

        await using (var command = orderingDb.CreateCommand("SELECT order_id, step, detail, at FROM order_timeline WHERE order_id = ANY($1) ORDER BY id"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = ids });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var timelines = ids.ToDictionary(id => id, _ => new JsonArray());
            while (await reader.ReadAsync(cancellationToken))
            {
                var detail = reader.IsDBNull(2) ? "" : $" ({reader.GetString(2)})";
                timelines[reader.GetGuid(0)].Add($"{reader.GetDateTime(3):HH:mm:ss.fff} {reader.GetString(1)}{detail}");
            }

            evidence["timelines"] = new JsonObject(timelines.Select(t => KeyValuePair.Create(t.Key.ToString(), (JsonNode?)t.Value)));
        }

        var dataDirectory = platform.App.Services.GetRequiredService<IConfiguration>()["Infrastructure:DataDirectory"];
        var logs = dataDirectory is null ? null : Path.Combine(dataDirectory, "logs");
        if (logs is null || !Directory.Exists(logs))
        {
            evidence["logs"] = "the platform's log directory was not found";
            return evidence;
        }

        var kept = Path.Combine("/var/tmp", $"aspireshop-chaos-logs-{DateTime.UtcNow:yyyyMMddHHmmss}");
        Directory.CreateDirectory(kept);
        var lines = ids.ToDictionary(id => id.ToString(), _ => new JsonArray(), StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(logs, "*.log"))
        {
            File.Copy(file, Path.Combine(kept, Path.GetFileName(file)), overwrite: true);
            foreach (var line in await File.ReadAllLinesAsync(file, cancellationToken))
            {
                foreach (var (id, found) in lines)
                {
                    if (found.Count < EvidenceLinesPerOrder && line.Contains(id, StringComparison.OrdinalIgnoreCase))
                    {
                        found.Add($"{Path.GetFileNameWithoutExtension(file)}: {(line.Length > 300 ? line[..300] + "…" : line)}");
                    }
                }
            }
        }

        evidence["log_lines"] = new JsonObject(lines.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        evidence["logs_kept_in"] = kept;
        Console.Error.WriteLine($"[chaos] findings: the run's resource logs are kept in {kept}");
        return evidence;
    }

    private static JsonObject VisitsJson(ChaosArrival[] arrivals, ChaosShopper shopper)
    {
        var accept = new Percentiles([arrivals.Where(a => a.AcceptTicks is not null).Select(a => a.AcceptTicks!.Value).ToArray()]);
        return new JsonObject
        {
            ["planned"] = arrivals.Length,
            ["posted"] = arrivals.Count(a => a.Sent),
            ["outcomes"] = Counts(arrivals.GroupBy(a => a.Outcome).ToDictionary(g => g.Key, g => (long)g.Count())),
            ["duplicate_posts"] = arrivals.Count(a => a.Duplicate && a.Sent),
            ["cancels"] = Counts(arrivals.Where(a => a.CancelOutcome is not null).GroupBy(a => a.CancelOutcome!).ToDictionary(g => g.Key, g => (long)g.Count())),
            ["accept_p50_ms"] = accept.Milliseconds(0.50),
            ["accept_p99_ms"] = accept.Milliseconds(0.99),
            ["accept_max_ms"] = accept.Milliseconds(1),
            ["requests"] = Counts(shopper.Attempts),
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

    /// <summary>Products of demo seller A, each SKU offered by seller B too, with <see cref="StockPerOffer"/> units each.</summary>
    private static async Task<IReadOnlyList<(Guid SkuId, Guid SellerId)>> CreateOffersAsync(BenchContext context, HttpClient gateway, CancellationToken cancellationToken)
    {
        var word = $"chaos{Guid.NewGuid():N}"[..13];
        var sellerA = await context.Identity.TokenAsync(PlatformIdentity.DemoSellerA, PlatformIdentity.DemoPassword, cancellationToken);
        var sellerB = await context.Identity.TokenAsync(PlatformIdentity.DemoSellerB, PlatformIdentity.DemoPassword, cancellationToken);
        var offers = new ConcurrentBag<(Guid, Guid)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Products), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var skuId = await DemoCatalog.NewOfferAsync(gateway, sellerA, $"Chaos {word} {i}", ct);
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

    /// <summary>One buyer per visit, registered and signed in before the soak; its id is its token's subject.</summary>
    private static async Task<IReadOnlyList<CheckoutBuyer>> RegisterBuyersAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var registered = await context.Identity.RegisterBuyersAsync(Orders, cancellationToken);
        var buyers = new List<CheckoutBuyer>();
        foreach (var (email, password) in registered)
        {
            var token = await context.Identity.TokenAsync(email, password, cancellationToken);
            var claims = JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!;
            buyers.Add(new CheckoutBuyer(email, Guid.Parse(claims["sub"]!.GetValue<string>())));
        }

        return buyers;
    }

    private static JsonArray Ids(IEnumerable<Guid> ids) => new([.. ids.Select(id => (JsonNode)id.ToString())]);

    private static JsonObject Counts(IEnumerable<KeyValuePair<string, long>> counts) =>
        new(counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));

    /// <summary>
    /// The provider's fault switch, paced by the provider's own traffic: every <see cref="FaultInterval"/> its call
    /// counter is read, a tenth of the calls since the last read is added to a credit, and once the fault set before is
    /// used up, the next mode of <see cref="FaultModes"/> is set for as many POSTs as the credit holds (at most
    /// <see cref="MaxFaultsPerSwitch"/>). So about every tenth call meets a fault, spread out rather than in bursts, and
    /// faults do not pile up while nothing calls (a client's open breaker would otherwise meet one on every probe). The
    /// faults served are read back from the switch, not assumed; a provider restart clears a pending one (counted unknown).
    /// </summary>
    private sealed class FaultRotation(ChaosProvider provider, Func<int?> providerPid, Stopwatch soak)
    {
        private const int MaxFaultsPerSwitch = 3;
        private readonly Dictionary<string, (long Set, long Served, long Unknown)> _modes = FaultModes.ToDictionary(m => m, _ => (0L, 0L, 0L), StringComparer.Ordinal);
        private readonly Lock _lock = new();
        private readonly ConcurrentDictionary<string, long> _problems = new();
        private readonly JsonArray _samples = [];
        private long _lastRequests = -1;
        private int? _lastPid;
        private long _calls;
        private long _restarts;
        private double _credit;
        private (string Mode, int Count, int Counted)? _pending;
        private int _next;
        private long _reads;
        private long _switches;

        public long Set
        {
            get
            {
                lock (_lock)
                {
                    return _modes.Values.Sum(m => m.Set);
                }
            }
        }

        public long Served
        {
            get
            {
                lock (_lock)
                {
                    return _modes.Values.Sum(m => m.Served);
                }
            }
        }

        public async Task RunAsync(CancellationToken stop)
        {
            using var timer = new PeriodicTimer(FaultInterval);
            try
            {
                do
                {
                    await TickAsync(stop);
                }
                while (await timer.WaitForNextTickAsync(stop));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        /// <summary>Faults off (the latency stays), after counting what the pending one served; retried while the provider restarts.</summary>
        public async Task ClearAsync(int latencyMs, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await SettleAsync(cancellationToken);
                    await provider.SetFaultsAsync(null, null, latencyMs, cancellationToken);
                    if (_pending is { } pending)
                    {
                        // Cleared before it was used up: those were set but never served.
                        lock (_lock)
                        {
                            var tally = _modes[pending.Mode];
                            _modes[pending.Mode] = (tally.Set - (pending.Count - pending.Counted), tally.Served, tally.Unknown);
                        }

                        _pending = null;
                    }

                    return;
                }
                catch (Exception ex) when (IsProviderProblem(ex, cancellationToken) && attempt < 60)
                {
                    Count(ex);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
        }

        public JsonObject ToJson()
        {
            lock (_lock)
            {
                var served = _modes.Values.Sum(m => m.Served);
                return new JsonObject
                {
                    ["rotation"] = new JsonArray([.. FaultModes.Select(m => (JsonNode)m)]),
                    ["pacing"] = $"every {FaultInterval.TotalSeconds:0} s, {FaultShare:P0} of the provider's calls since the last read is credited; the next fault (at most {MaxFaultsPerSwitch} POSTs) is set once the last one is used up",
                    ["switches"] = _switches,
                    ["set"] = _modes.Values.Sum(m => m.Set),
                    ["served"] = served,
                    ["unknown_cleared_by_a_provider_restart"] = _modes.Values.Sum(m => m.Unknown),
                    // The provider's own count of payment API calls (POSTs, and GETs that a fault never applies to) in the chaos.
                    ["provider_calls"] = _calls,
                    ["served_share_of_provider_calls"] = _calls == 0 ? null : Math.Round(served / (double)_calls, 3),
                    ["by_mode"] = new JsonObject(_modes.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)new JsonObject
                    {
                        ["set"] = m.Value.Set,
                        ["served"] = m.Value.Served,
                        ["unknown"] = m.Value.Unknown,
                    }))),
                    ["provider_restarts_seen"] = _restarts,
                    // Every 5th read: [soak s, the provider's call counter (since its last start), faults served so far].
                    ["provider_counter_samples"] = _samples.DeepClone(),
                    ["problems"] = Counts(_problems),
                };
            }
        }

        private async Task TickAsync(CancellationToken cancellationToken)
        {
            try
            {
                var calls = await SettleAsync(cancellationToken);
                _credit += FaultShare * calls;
                if (_pending is not null || _credit < 1)
                {
                    return;
                }

                var count = Math.Min(MaxFaultsPerSwitch, (int)Math.Floor(_credit));
                var mode = FaultModes[_next++ % FaultModes.Length];
                await provider.SetFaultsAsync(mode, count, ProviderLatencyMs, cancellationToken);
                _credit -= count;
                _pending = (mode, count, 0);
                lock (_lock)
                {
                    var tally = _modes[mode];
                    _modes[mode] = (tally.Set + count, tally.Served, tally.Unknown);
                    _switches++;
                }
            }
            catch (Exception ex) when (IsProviderProblem(ex, cancellationToken))
            {
                // Down (killed) or restarting: the next tick tries again.
                Count(ex);
            }
        }

        /// <summary>Reads the provider's call counter and what the pending fault served so far; returns the calls since the last read.</summary>
        private async Task<long> SettleAsync(CancellationToken cancellationToken)
        {
            var requests = await provider.RequestsAsync(cancellationToken);
            // A new process (its counter, fault switch and latency start afresh): its pid changed, or its counter went back.
            var pid = providerPid();
            var restarted = requests < _lastRequests || (pid is not null && _lastPid is not null && pid != _lastPid);
            var calls = _lastRequests < 0 ? 0 : restarted ? requests : requests - _lastRequests;
            if (_pending is { } pending)
            {
                if (restarted)
                {
                    // The restart cleared the switch: whatever of it was not counted yet is unknown.
                    lock (_lock)
                    {
                        var tally = _modes[pending.Mode];
                        _modes[pending.Mode] = (tally.Set, tally.Served, tally.Unknown + pending.Count - pending.Counted);
                    }

                    _pending = null;
                }
                else
                {
                    var current = await provider.FaultsAsync(cancellationToken);
                    if (pid is not null && providerPid() != pid)
                    {
                        // Restarted between the two reads: the switch read may be the new process's.
                        throw new InvalidOperationException("The provider restarted while its fault switch was read.");
                    }

                    var remaining = current["mode"]?.GetValue<string>() == pending.Mode && current["count"] is JsonValue left ? left.GetValue<int>() : 0;
                    var used = pending.Count - remaining;
                    lock (_lock)
                    {
                        var tally = _modes[pending.Mode];
                        _modes[pending.Mode] = (tally.Set, tally.Served + used - pending.Counted, tally.Unknown);
                    }

                    _pending = remaining == 0 ? null : pending with { Counted = used };
                }
            }

            lock (_lock)
            {
                _restarts += restarted ? 1 : 0;
                _calls += calls;
                if (_samples.Count == 0 || restarted || ++_reads % 5 == 0)
                {
                    _samples.Add(new JsonArray(Math.Round(soak.Elapsed.TotalSeconds, 1), requests, _modes.Values.Sum(m => m.Served)));
                }
            }

            if (restarted)
            {
                // The new process runs without the latency (and without a fault until the next one is set).
                await provider.SetFaultsAsync(null, null, ProviderLatencyMs, cancellationToken);
            }

            (_lastRequests, _lastPid) = (requests, pid ?? _lastPid);
            return calls;
        }

        private static bool IsProviderProblem(Exception ex, CancellationToken cancellationToken) =>
            ex is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested);

        private void Count(Exception ex) => _problems.AddOrUpdate(ex.GetType().Name, 1, (_, n) => n + 1);
    }

    /// <summary>
    /// A line every 5 s while the soak and the drain run (plain lines: they stay readable in logs), with where the bench's
    /// orders are in the saga (from orderingdb); those counts are kept as <see cref="Steps"/> for the results.
    /// </summary>
    private sealed class ChaosProgress : IAsyncDisposable
    {
        private static readonly string[] SagaSteps = ["Reserving", "Charging", "Committing", "Confirmed", "Compensating", "Failed"];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly JsonArray _steps = [];

        public ChaosProgress(
            ChaosArrival[] arrivals, ConcurrentQueue<(double AtS, ResourceKiller.Kill Kill)> kills, FaultRotation faults, Stopwatch soak, NpgsqlDataSource orderingDb, Guid[] buyerIds) =>
            _loop = LoopAsync(arrivals, kills, faults, soak, orderingDb, buyerIds, _stop.Token);

        /// <summary>[soak s, then the bench's orders per saga step in <see cref="SagaSteps"/> order], every 5 s.</summary>
        public JsonObject Steps
        {
            get
            {
                lock (_steps)
                {
                    return new JsonObject
                    {
                        ["columns"] = new JsonArray([(JsonNode)"soak_s", .. SagaSteps.Select(step => (JsonNode)step)]),
                        ["rows"] = _steps.DeepClone(),
                    };
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }

        private async Task LoopAsync(
            ChaosArrival[] arrivals,
            ConcurrentQueue<(double AtS, ResourceKiller.Kill Kill)> kills,
            FaultRotation faults,
            Stopwatch soak,
            NpgsqlDataSource orderingDb,
            Guid[] buyerIds,
            CancellationToken stop)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    var at = Math.Round(soak.Elapsed.TotalSeconds, 1);
                    var steps = await StepsAsync(orderingDb, buyerIds, stop);
                    if (steps is not null)
                    {
                        lock (_steps)
                        {
                            _steps.Add(new JsonArray([(JsonNode)at, .. SagaSteps.Select(step => (JsonNode)steps.GetValueOrDefault(step))]));
                        }
                    }

                    var outcomes = arrivals.GroupBy(a => a.Outcome).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
                    var saga = steps is null ? "orderingdb unreachable" : string.Join(' ', SagaSteps.Select(step => $"{step[..4].ToLowerInvariant()} {steps.GetValueOrDefault(step)}"));
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"[chaos] {at,4:0}s  posted {arrivals.Count(a => a.Sent),4}  accepted {outcomes.GetValueOrDefault(ChaosArrival.Accepted),4}  " +
                        $"waiting {arrivals.Count(a => a.Sent && a.Outcome == ChaosArrival.Pending),3}  no stock {outcomes.GetValueOrDefault(ChaosArrival.OutOfStock),3}  " +
                        $"kills {kills.Count}  faults {faults.Served}/{faults.Set}  saga: {saga}"));
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private static async Task<Dictionary<string, int>?> StepsAsync(NpgsqlDataSource orderingDb, Guid[] buyerIds, CancellationToken cancellationToken)
        {
            try
            {
                await using var command = orderingDb.CreateCommand("SELECT saga_step, count(*)::int FROM orders WHERE buyer_id = ANY($1) GROUP BY saga_step");
                command.Parameters.Add(new NpgsqlParameter { Value = buyerIds });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                var steps = new Dictionary<string, int>(StringComparer.Ordinal);
                while (await reader.ReadAsync(cancellationToken))
                {
                    steps[reader.GetString(0)] = reader.GetInt32(1);
                }

                return steps;
            }
            catch (NpgsqlException)
            {
                return null;
            }
        }
    }
}
