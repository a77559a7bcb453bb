using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AspireShop.Bench.Platform;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// A line every 5 s while the soak and the drain run (plain lines: they stay readable in logs), with where the bench's
/// orders are in the saga (from orderingdb); those counts are kept as <see cref="Steps"/> for the results.
/// </summary>
public sealed class ChaosProgress : IAsyncDisposable
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
