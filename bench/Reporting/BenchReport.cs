using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AspireShop.Bench.Load;

namespace AspireShop.Bench.Reporting;

/// <summary>The result files others script against: bench/results/&lt;scenario&gt;.json and a Markdown twin.</summary>
public sealed class BenchReport(
    string scenario, LoadResult result, LoadOptions options, string target, DateTimeOffset startedAt, JsonObject scenarioMetrics, JsonObject? headline = null)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Markdown a scenario puts between the title and the figure table, made from the finished report.</summary>
    public Func<JsonObject, string>? MarkdownPreface { get; init; }

    public JsonObject ToJson()
    {
        var metrics = new JsonObject
        {
            ["requests"] = result.Requests,
            ["duration_s"] = options.Duration.TotalSeconds,
            ["warmup_s"] = options.Warmup.TotalSeconds,
            ["concurrency"] = options.Concurrency,
            ["target"] = target,
            ["machine"] = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["os"] = RuntimeInformation.OSDescription,
                ["runtime"] = RuntimeInformation.FrameworkDescription,
            },
            ["started_at"] = startedAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["error_kinds"] = new JsonObject(result.ErrorKinds.Select(kind => KeyValuePair.Create(kind.Key, (JsonNode?)kind.Value))),
        };

        // Add (not the indexer) so a scenario figure that shadows a standard one fails loudly instead of overwriting it.
        foreach (var (key, value) in scenarioMetrics)
        {
            metrics.Add(key, value?.DeepClone());
        }

        var report = new JsonObject
        {
            ["scenario"] = scenario,
            ["rps"] = Math.Round(result.Rps, 1),
            ["p50_ms"] = result.P50Ms,
            ["p95_ms"] = result.P95Ms,
            ["p99_ms"] = result.P99Ms,
            ["errors"] = result.Errors,
        };
        foreach (var (key, value) in headline ?? [])
        {
            report.Add(key, value?.DeepClone());
        }

        report["metrics"] = metrics;
        return report;
    }

    public static string ToMarkdown(JsonObject report, string? preface = null)
    {
        var markdown = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Bench: {report["scenario"]}")
            .AppendLine()
            .Append(preface)
            .AppendLine("| figure | value |")
            .AppendLine("|---|---|");
        var headline = report.Where(entry => entry.Key is not ("scenario" or "metrics"));
        var rows = headline.Select(entry => (entry.Key, Text(entry.Value))).Concat(Flatten(report["metrics"]!.AsObject(), prefix: ""));
        foreach (var (key, value) in rows)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"| {key} | {value.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        return markdown.ToString();
    }

    /// <returns>The two files written.</returns>
    public (string Json, string Markdown) Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var json = ToJson();
        var jsonPath = Path.Combine(directory, $"{scenario}.json");
        var markdownPath = Path.Combine(directory, $"{scenario}.md");
        File.WriteAllText(jsonPath, json.ToJsonString(Indented) + Environment.NewLine);
        File.WriteAllText(markdownPath, ToMarkdown(json, MarkdownPreface?.Invoke(json)));
        return (jsonPath, markdownPath);
    }

    private static IEnumerable<(string Key, string Value)> Flatten(JsonObject node, string prefix)
    {
        foreach (var (key, value) in node)
        {
            if (value is JsonObject { Count: > 0 } child)
            {
                foreach (var entry in Flatten(child, $"{prefix}{key}."))
                {
                    yield return entry;
                }
            }
            else
            {
                yield return ($"{prefix}{key}", Text(value));
            }
        }
    }

    private static string Text(JsonNode? value) => value is JsonValue ? value.ToString() : value?.ToJsonString() ?? "";
}
