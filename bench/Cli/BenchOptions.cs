using System.Globalization;
using AspireShop.Bench.Load;
using AspireShop.Bench.Scenarios;

namespace AspireShop.Bench.Cli;

/// <summary>The parsed command line; <see cref="Parse"/> throws <see cref="UsageException"/> for anything it cannot use.</summary>
public sealed record BenchOptions(IScenario Scenario, LoadOptions Load, Uri? Target)
{
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        string? scenarioName = null;
        // Throughput still climbs for ~10 s after start (JIT tiering, pools), so shorter warm-ups understate it.
        double duration = 20, warmup = 10;
        var concurrency = 32;
        Uri? target = null;
        var faults = false;

        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            string Value() => inlineValue ?? (++i < args.Count ? args[i] : throw new UsageException($"{name} needs a value"));

            switch (name)
            {
                case "-h" or "--help" or "-?":
                    throw new UsageException(null);
                case "--duration":
                    duration = Number(name, Value(), min: 1);
                    break;
                case "--warmup":
                    warmup = Number(name, Value(), min: 0);
                    break;
                case "--concurrency":
                    concurrency = (int)Number(name, Value(), min: 1, max: 10_000, integer: true);
                    break;
                case "--target":
                    target = Url(Value());
                    break;
                case "--faults" when inlineValue is null:
                    faults = true;
                    break;
                case var option when option.StartsWith('-'):
                    throw new UsageException($"unknown option '{option}'");
                case var positional when scenarioName is null:
                    scenarioName = positional;
                    break;
                default:
                    throw new UsageException($"unexpected argument '{args[i]}'");
            }
        }

        if (scenarioName is null)
        {
            throw new UsageException("no scenario given");
        }

        var scenario = ScenarioCatalog.Find(scenarioName) ?? throw new UsageException($"unknown scenario '{scenarioName}'");
        if (faults)
        {
            // The faults are switched on the self-hosted provider stand-in, whose ledger is then checked.
            scenario = target is not null
                ? throw new UsageException("--faults needs the self-hosted platform (no --target): it switches the provider's faults")
                : scenario.WithFaults() ?? throw new UsageException($"--faults: scenario '{scenario.Name}' has no faulted variant");
        }

        return new BenchOptions(scenario, new LoadOptions(concurrency, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(duration)), target);
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static double Number(string option, string text, double min, double max = 86_400, bool integer = false)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max || (integer && value != Math.Floor(value)))
        {
            throw new UsageException($"{option} must be {(integer ? "an integer" : "a number")} from {min} to {max}, not '{text}'");
        }

        return value;
    }

    private static Uri Url(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--target must be an absolute http(s) URL, not '{text}'");
        }

        return BenchClient.WithTrailingSlash(url);
    }
}
