using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// The faulted checkout's figures beside the clean run's, read from the clean run's result file when the report is
/// written (so the table always names which clean run it compares with, by its started_at).
/// </summary>
public sealed class CheckoutComparison
{
    // Headline keys first, then metrics paths (dotted): what faults would move, and what must not move.
    private static readonly string[] Figures =
    [
        "started_at",
        "accepted_p50_ms",
        "accepted_p99_ms",
        "confirmed_p50_ms",
        "confirmed_p99_ms",
        "orders_per_s",
        "duplicate_orders",
        "double_charges",
        "goals_met",
        "steady.new_orders_sent_in_window",
        "steady.sent_per_s",
        "steady.schedule_held",
        "steady.send_lateness_p99_ms",
        "steady.accepted.errors",
        "steady.confirmed.confirmed",
        "steady.confirmed.failed",
        "steady.confirmed.not_at_rest_after_drain",
        "steady.saga_stages.charge_p50_ms",
        "steady.saga_stages.charge_p99_ms",
        "steady.saga_stages.orders_with_a_resent_step",
        "steady.in_window.provider_calls_per_s",
        "steady.in_window.faults_served",
        "saturation.accepted.p99_ms",
        "saturation.confirmed.p50_ms",
        "saturation.confirmed.p99_ms",
        "saturation.confirmed.failed",
        "saturation.saga_stages.charge_p99_ms",
        "saturation.in_window.provider_calls_per_s",
        "saturation.in_window.faults_served",
        "orders.failed_by_reason",
        "faults.served",
        "ledger.charges",
        "ledger.refunds",
        "ledger.charged_orders_not_confirmed",
        "ledger.charged_not_confirmed_unrefunded",
        "duplicates.keys_sent",
        "order_4xx_without_body.count",
        "machine_load_1m",
    ];

    private readonly string _file;
    private readonly JsonObject? _clean;
    private readonly string? _problem;

    private CheckoutComparison(string file, JsonObject? clean, string? problem) => (_file, _clean, _problem) = (file, clean, problem);

    /// <summary>Which clean run the table compares with, for the result file.</summary>
    public JsonObject Json => new()
    {
        ["file"] = RelativeName,
        ["started_at"] = _clean is null ? null : Find(_clean, "started_at")?.DeepClone(),
        ["problem"] = _problem,
    };

    private string RelativeName => Path.Combine("bench", "results", Path.GetFileName(_file));

    /// <summary>Reads the clean run's results; a missing or unreadable file gives a report that says so instead of a table.</summary>
    public static CheckoutComparison Load(string file)
    {
        try
        {
            return File.Exists(file)
                ? new CheckoutComparison(file, JsonNode.Parse(File.ReadAllText(file))?.AsObject(), null)
                : new CheckoutComparison(file, null, "no clean run: the file does not exist");
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidOperationException)
        {
            return new CheckoutComparison(file, null, $"the clean run could not be read: {ex.Message}");
        }
    }

    /// <summary>The Markdown above the full figure table: clean, faulted and the change, figure by figure.</summary>
    public string Markdown(JsonObject report)
    {
        var text = new StringBuilder().AppendLine("## Beside the clean run").AppendLine();
        if (_clean is null)
        {
            return text.AppendLine(CultureInfo.InvariantCulture, $"`{RelativeName}`: {_problem}.").ToString();
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Clean: `{RelativeName}`, started_at {Text(Find(_clean, "started_at"))} (read when this report was written).")
            .AppendLine(CultureInfo.InvariantCulture, $"Faults: this run, started_at {Text(Find(report, "started_at"))}.")
            .AppendLine()
            .AppendLine("| figure | clean | faults | change |")
            .AppendLine("|---|---|---|---|");
        foreach (var figure in Figures)
        {
            var (clean, faulted) = (Find(_clean, figure), Find(report, figure));
            text.AppendLine(CultureInfo.InvariantCulture, $"| {figure} | {Cell(clean)} | {Cell(faulted)} | {Change(clean, faulted)} |");
        }

        return text.AppendLine().ToString();
    }

    /// <summary>A headline key, or a dotted path under metrics.</summary>
    private static JsonNode? Find(JsonObject report, string path)
    {
        if (report.TryGetPropertyValue(path, out var top))
        {
            return top;
        }

        JsonNode? node = report["metrics"];
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject parent && parent.TryGetPropertyValue(part, out var child) ? child : null;
        }

        return node;
    }

    private static string Text(JsonNode? value) => value switch
    {
        null => "—",
        JsonValue => value.ToString(),
        _ => value.ToJsonString(),
    };

    private static string Cell(JsonNode? value) => Text(value).Replace("|", "\\|", StringComparison.Ordinal);

    private static string Change(JsonNode? clean, JsonNode? faulted)
    {
        if (Number(clean) is not { } before || Number(faulted) is not { } after)
        {
            return "";
        }

        var difference = after - before;
        return before == 0
            ? (difference == 0 ? "=" : string.Create(CultureInfo.InvariantCulture, $"{difference:+0.##;-0.##}"))
            : string.Create(CultureInfo.InvariantCulture, $"{difference:+0.##;-0.##;=} ({difference / before:+0%;-0%;0%})");
    }

    // Through the JSON text: a value built in memory (an int) and one parsed from the file read alike.
    private static double? Number(JsonNode? value) =>
        value is JsonValue number && number.GetValueKind() == JsonValueKind.Number
        && double.TryParse(number.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : null;
}
