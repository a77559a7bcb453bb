using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>What the chaos bench keeps about orders behind a finding, to tell a lag from a loss afterwards.</summary>
public static class ChaosEvidence
{
    private const int EvidenceOrders = 10;
    private const int EvidenceLinesPerOrder = 15;

    /// <summary>
    /// For orders behind a finding: their saga timeline from orderingdb and the resource log lines that name them. The
    /// run's logs are copied out first, since the platform's data directory is deleted when it stops.
    /// </summary>
    public static async Task<JsonObject> CollectAsync(PlatformFixture platform, NpgsqlDataSource orderingDb, IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken)
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
}
