using System.Text.Json.Nodes;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>One order of the chaos bench's buyers as orderingdb has it (total in minor units).</summary>
public sealed record ChaosOrderRow(Guid Id, Guid BuyerId, string Status, string Step, string? FailureReason, bool NeedsAttention, long TotalMinor)
{
    public bool AtRest => Step is "Confirmed" or "Failed";
}

public sealed record ChaosStock(int OnHand, int Reserved);

/// <summary>What the checks found; every figure but <see cref="Orders"/> must be 0.</summary>
public sealed record ChaosOutcome(
    int Orders, int LostOrders, int DoubleCharges, int OverRefunds, int Oversells, int DuplicateOrders, IReadOnlyList<Guid> FindingOrderIds, JsonObject Json)
{
    public int Findings => LostOrders + DoubleCharges + OverRefunds + Oversells + DuplicateOrders;
}

/// <summary>
/// The chaos soak's invariants, read from the sources of truth: Ordering's orders (of the bench's buyers), the
/// provider's ledger and Inventory's stock rows.
/// </summary>
public sealed class ChaosChecks(ChaosProvider provider, NpgsqlDataSource orderingDb, NpgsqlDataSource inventoryDb, Guid[] buyerIds)
{
    public async Task<List<ChaosOrderRow>> OrdersAsync(CancellationToken cancellationToken)
    {
        await using var command = orderingDb.CreateCommand(
            """
            SELECT id, buyer_id, status, saga_step, failure_reason, needs_attention_at IS NOT NULL, (total * 100)::bigint
            FROM orders WHERE buyer_id = ANY($1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = buyerIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ChaosOrderRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ChaosOrderRow(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5), reader.GetInt64(6)));
        }

        return rows;
    }

    /// <summary>The server's time of the last "confirmed" or "failed" step among the bench's orders.</summary>
    public async Task<DateTimeOffset?> LastRestAsync(CancellationToken cancellationToken)
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

    public async Task<Dictionary<(Guid SkuId, Guid SellerId), ChaosStock>> StockAsync(IReadOnlyList<(Guid SkuId, Guid SellerId)> offers, CancellationToken cancellationToken)
    {
        await using var command = inventoryDb.CreateCommand("SELECT sku_id, seller_id, on_hand, reserved FROM stock WHERE sku_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = offers.Select(o => o.SkuId).Distinct().ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var stock = new Dictionary<(Guid, Guid), ChaosStock>();
        while (await reader.ReadAsync(cancellationToken))
        {
            stock[(reader.GetGuid(0), reader.GetGuid(1))] = new ChaosStock(reader.GetInt32(2), reader.GetInt32(3));
        }

        var missing = offers.Where(o => !stock.ContainsKey(o)).ToList();
        return missing.Count == 0 ? stock : throw new InvalidOperationException($"Inventory has no stock row for {missing.Count} of the bench's offers.");
    }

    /// <summary>Every invariant: lost orders, duplicates, the money (double charges, over-refunds) and the stock (oversells).</summary>
    public async Task<ChaosOutcome> CheckAsync(
        ChaosArrival[] arrivals, Dictionary<(Guid SkuId, Guid SellerId), ChaosStock> initialStock, DateTimeOffset chaosStoppedAt, CancellationToken cancellationToken)
    {
        var orders = await OrdersAsync(cancellationToken);
        var byId = orders.ToDictionary(o => o.Id);
        var accepted = arrivals.SelectMany(a => a.OrderIds).ToHashSet();

        // Lost: a 202's order that Ordering does not have, or one still not at rest after the drain.
        var missing = accepted.Where(id => !byId.ContainsKey(id)).ToList();
        var notAtRest = orders.Where(o => !o.AtRest).ToList();
        var lost = missing.Concat(notAtRest.Select(o => o.Id)).Distinct().ToList();

        // Duplicates: each buyer sent one key, so one order per buyer at most; and one order id per key in the 202s.
        var perBuyer = orders.GroupBy(o => o.BuyerId).Where(g => g.Count() > 1).ToList();
        var duplicateOrders = perBuyer.Sum(g => g.Count() - 1);

        // The ledger: captures and refunds per order reference.
        var ledger = await provider.LedgerAsync(cancellationToken);
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
            var (count, amount) = ledger.Captured(reference);
            var back = ledger.Refunded(reference);
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

        var (stock, oversold) = await StockCheckAsync(initialStock, cancellationToken);
        var findingIds = lost.Concat(doubleCharged).Concat(overRefunded).Concat(perBuyer.SelectMany(g => g.Select(o => o.Id))).Distinct().ToList();
        var allIds = accepted.Concat(orders.Select(o => o.Id)).ToHashSet();
        var json = new JsonObject
        {
            ["orders"] = new JsonObject
            {
                ["in_orderingdb"] = orders.Count,
                ["accepted_ids_in_202s"] = accepted.Count,
                ["confirmed"] = orders.Count(o => o.Step == "Confirmed"),
                ["failed"] = OrderBench.CountBy(orders.Where(o => o.Step == "Failed"), o => o.FailureReason ?? "(none)"),
                ["not_at_rest"] = OrderBench.CountBy(notAtRest, o => o.Step + (o.NeedsAttention ? " (needs attention)" : "")),
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
                ["keys_whose_202s_carry_two_ids"] = arrivals.Count(a => a.OrderIds.Count > 1),
                ["order_ids"] = Ids(perBuyer.SelectMany(g => g.Select(o => o.Id))),
                ["method"] = "orderingdb: each buyer sent exactly one Idempotency-Key, so every order beyond its first is a duplicate",
            },
            ["ledger"] = new JsonObject
            {
                ["charges"] = ledger.Charges.Count,
                ["refunds"] = ledger.Refunds.Count,
                ["captured_minor"] = ledger.Charges.Sum(c => c.Amount),
                ["refunded_minor"] = ledger.Refunds.Sum(r => r.Amount),
                ["double_charged"] = Ids(doubleCharged),
                ["over_refunded"] = Ids(overRefunded),
                ["confirmed_without_capture"] = Ids(confirmedWithoutCapture),
                ["confirmed_amount_mismatch"] = Ids(confirmedAmountMismatch),
                ["confirmed_but_refunded"] = Ids(confirmedButRefunded),
                ["captured_unrefunded_not_at_rest"] = capturedNotAtRest,
                ["charges_for_other_references"] = ledger.Charges.Count(c => !knownReferences.Contains(c.Reference)),
                // When the money moved: captures during the chaos, or only once it stopped (a backlog the drain worked off).
                ["charges_created_after_chaos_stopped"] = ledger.Charges.Count(c => c.Created >= chaosStoppedAt.ToUnixTimeSeconds()),
            },
            ["stock"] = stock,
        };
        return new ChaosOutcome(allIds.Count, lost.Count, doubleCharged.Count, overRefunded.Count, oversold, duplicateOrders, findingIds, json);
    }

    /// <summary>Sold (on-hand drop since setup) against the units of CONFIRMED orders, per offer; oversold units too.</summary>
    private async Task<(JsonObject Json, int Oversold)> StockCheckAsync(Dictionary<(Guid SkuId, Guid SellerId), ChaosStock> initialStock, CancellationToken cancellationToken)
    {
        var stock = await StockAsync([.. initialStock.Keys], cancellationToken);
        var confirmedUnits = await ConfirmedUnitsAsync(cancellationToken);
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

        var json = new JsonObject
        {
            ["oversold_units"] = oversold,
            ["confirmed_units_not_taken_from_stock"] = undersold,
            ["sold_units"] = initialStock.Sum(s => s.Value.OnHand - stock[s.Key].OnHand),
            ["confirmed_units"] = confirmedUnits.Values.Sum(),
            ["offers"] = offers,
        };
        return (json, oversold);
    }

    private async Task<Dictionary<(Guid SkuId, Guid SellerId), int>> ConfirmedUnitsAsync(CancellationToken cancellationToken)
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

    private static JsonArray Ids(IEnumerable<Guid> ids) => new([.. ids.Select(id => (JsonNode)id.ToString())]);
}
