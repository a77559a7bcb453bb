using AspireShop.Bench.Scenarios;

namespace AspireShop.Bench.Cli;

public static class Usage
{
    public static void Write(TextWriter writer)
    {
        var width = ScenarioCatalog.All.Max(scenario => scenario.Name.Length) + 2;
        writer.WriteLine("Usage: dotnet run --project bench -c Release -- <scenario> [options]");
        writer.WriteLine();
        writer.WriteLine("Scenarios:");
        foreach (var scenario in ScenarioCatalog.All)
        {
            writer.WriteLine($"  {scenario.Name.PadRight(width)}{scenario.Description}");
        }

        writer.WriteLine();
        writer.WriteLine("Options:");
        writer.WriteLine("  --duration <seconds>   measured time (default 20)");
        writer.WriteLine("  --warmup <seconds>     unmeasured warm-up before it (default 10)");
        writer.WriteLine("  --concurrency <n>      closed-loop clients (default 32)");
        writer.WriteLine("  --target <url>         load a running gateway; without it the platform is started natively and stopped after");
        writer.WriteLine("  --faults               checkout only: ~10 % of payment provider calls faulted; results as checkout-faults beside the clean run");
        writer.WriteLine("  -h, --help             this text");
        writer.WriteLine();
        writer.WriteLine("Results: bench/results/<scenario>.json and .md");
    }
}
