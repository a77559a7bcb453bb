using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>The checkout bench's figures, from the orders it followed, their server timelines and the sources of truth.</summary>
public static class CheckoutFigures
{
    /// <summary>Median of server "placed" minus the midpoint of the POST that placed it, in the bench's wall clock.</summary>
    public static TimeSpan ServerClockOffset(IEnumerable<CheckoutOrder> orders)
    {
        var offsets = orders
            .Where(o => o.PlacedAt is not null)
            .Select(o => (o.PlacedAt!.Value - (o.SentAt + ((o.AnsweredAt - o.SentAt) / 2))).Ticks)
            .Order()
            .ToList();
        return offsets.Count == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(offsets[offsets.Count / 2]);
    }

    /// <summary>Confirmation latencies; <c>Unsettled</c>: orders not at rest the way the goal asks (with faults, a failed order with any capture refunded is).</summary>
    public sealed record Confirmations(int Count, double P50Ms, double P99Ms, int Unsettled, JsonObject Json);

    /// <summary>PENDING → CONFIRMED per order from the server's timeline (confirmed.at − placed.at).</summary>
    /// <param name="placed">The orders.</param>
    /// <param name="ledger">With faults, the provider's ledger: a failed order counts as settled once any capture of it is refunded. Null: only confirmed orders are.</param>
    public static Confirmations ConfirmedLatencies(IEnumerable<CheckoutOrder> placed, ProviderLedger? ledger = null)
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
            ["failed"] = OrderBench.CountBy(failed, o => o.FailureReason ?? o.Status),
            ["not_at_rest_after_drain"] = notAtRest,
        };
        var unsettled = failed.Count + notAtRest;
        if (ledger is not null)
        {
            var holding = failed.Count(o => ledger.HoldsMoney(o.Id.ToString()));
            json["failed_with_a_capture_not_refunded"] = holding;
            unsettled = holding + notAtRest;
        }

        return new Confirmations(ticks.Length, percentiles.Milliseconds(0.50), percentiles.Milliseconds(0.99), unsettled, json);
    }

    /// <summary>Where an order's time goes, step to step of the server's timeline (p50/p99), and how often a step was re-sent.</summary>
    public static JsonObject Stages(IEnumerable<CheckoutOrder> placed)
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

    public sealed record Rate(double OrdersPerSecond, JsonObject Json);

    /// <summary>Confirmations whose server confirmed.at falls in the saturation window, per second and overall.</summary>
    public static Rate Throughput(IEnumerable<CheckoutOrder> orders, CheckoutPhase phase, TimeSpan clockOffset)
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

    public sealed record Duplicates(int Count, JsonObject Json);

    /// <summary>
    /// Orders beyond one per Idempotency-Key. Self-hosted, from Ordering's database: every order of the bench's buyers
    /// must be the stored response of its own key (idempotency_keys.location), so an order no key points to is an extra
    /// one. With --target: distinct order ids in the 202s of each key, and each buyer's order total against its keys.
    /// </summary>
    public static async Task<Duplicates> DuplicatesAsync(
        CheckoutShopper shopper, CheckoutOrders orders, NpgsqlDataSource? orderingDb, HttpClient gateway, BenchIdentity identity, IReadOnlyList<CheckoutBuyer> buyers,
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

    public static JsonObject Goal(string goal, double? value, bool? met) => new()
    {
        ["goal"] = goal,
        ["value"] = value,
        ["met"] = met,
    };

    /// <summary>
    /// The provider's ledger against the orders followed: charges beyond one per order reference (double charges), and
    /// money held for orders that did not confirm. A failed order's capture must be refunded in full.
    /// </summary>
    public static JsonObject Ledger(ProviderLedger ledger, IEnumerable<CheckoutOrder> followed)
    {
        var orders = followed.ToList();
        var confirmed = orders.Where(o => o.Status == CheckoutOrder.Confirmed).Select(o => o.Id.ToString()).ToList();
        var notConfirmed = orders.Where(o => o.Status != CheckoutOrder.Confirmed).Select(o => o.Id.ToString()).ToList();
        var references = ledger.CapturedByReference.Where(p => p.Key.Length > 0).ToList();
        return new JsonObject
        {
            ["charges"] = ledger.Charges.Count,
            ["refunds"] = ledger.Refunds.Count,
            ["order_references_charged"] = references.Count,
            ["double_charges"] = references.Count(p => p.Value.Count > 1),
            ["charges_without_order_reference"] = ledger.Captured("").Count,
            ["confirmed_orders_without_charge"] = confirmed.Count(id => ledger.Captured(id).Count == 0),
            ["charged_orders_not_confirmed"] = notConfirmed.Count(id => ledger.Captured(id).Count > 0),
            // Must be 0: an order that did not confirm keeps none of the buyer's money.
            ["charged_not_confirmed_unrefunded"] = notConfirmed.Count(ledger.HoldsMoney),
            ["refunded_orders"] = orders.Count(o => ledger.Refunded(o.Id.ToString()) > 0),
            ["over_refunded_orders"] = orders.Count(o => ledger.Refunded(o.Id.ToString()) > ledger.Captured(o.Id.ToString()).Amount),
        };
    }

    /// <summary>What became of every order followed (priming included): confirmed, failed by reason, or still moving.</summary>
    public static JsonObject Outcomes(IEnumerable<CheckoutOrder> followed, ProviderLedger? ledger)
    {
        var orders = followed.ToList();
        var failed = orders.Where(o => o.AtRest && o.Status != CheckoutOrder.Confirmed).ToList();
        var json = new JsonObject
        {
            ["followed"] = orders.Count,
            ["confirmed"] = orders.Count(o => o.Status == CheckoutOrder.Confirmed),
            ["failed"] = failed.Count,
            ["failed_by_reason"] = OrderBench.CountBy(failed, o => o.FailureReason ?? o.Status),
            ["not_at_rest"] = orders.Count(o => !o.AtRest),
        };
        if (ledger is not null)
        {
            json["failed_charged_then_refunded"] = failed.Count(o => ledger.Captured(o.Id.ToString()).Count > 0 && !ledger.HoldsMoney(o.Id.ToString()));
            json["failed_never_charged"] = failed.Count(o => ledger.Captured(o.Id.ToString()).Count == 0);
            json["failed_holding_money"] = failed.Count(o => ledger.HoldsMoney(o.Id.ToString()));
        }

        return json;
    }
}
