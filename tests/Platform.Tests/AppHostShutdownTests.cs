using System.Globalization;
using AspireShop.TestKit;

namespace AspireShop.Platform.Tests;

public sealed class AppHostShutdownTests
{
    private const string MarkerVariable = "ASPIRESHOP_TEST_MARKER";

    /// <summary>
    /// A developer's Ctrl+C or a crashed AppHost must not leave Postgres, Redis, the broker or a service running:
    /// the next start would find its ports and data directory taken.
    /// </summary>
    [Fact]
    public async Task KillingTheAppHostLeavesNoProcessBehind()
    {
        var data = RepositoryPaths.CreateScratchDirectory("kill");
        var marker = Guid.NewGuid().ToString("N");
        static string Url() => $"http://localhost:{TestPorts.Free().ToString(CultureInfo.InvariantCulture)}";
        using var appHost = AppHostProcess.Start(
            ["--Infrastructure:Mode=native", $"--Infrastructure:DataDirectory={data}"],
            new Dictionary<string, string>
            {
                [MarkerVariable] = marker,
                ["ASPNETCORE_URLS"] = Url(),
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = Url(),
                ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = Url(),
            });
        try
        {
            string[] expected = ["postgres", "redis-server", "EmbeddedKafka", "Catalog.API"];
            var running = await Poll.UntilAsync(
                () => Task.FromResult(MarkedProcesses(marker)),
                processes => expected.All(name => processes.Any(p => p.Command.Contains(name, StringComparison.Ordinal))),
                TimeSpan.FromMinutes(2),
                processes => $"Not all of {string.Join(", ", expected)} started. Running: {Describe(processes)}\n{appHost.StandardOutput}\n{appHost.StandardError}");
            Assert.Contains(running, p => p.Command.Contains("postgres", StringComparison.Ordinal));

            appHost.KillHard();

            await Poll.UntilAsync(
                () => Task.FromResult(MarkedProcesses(marker)),
                processes => processes.Count == 0,
                TimeSpan.FromSeconds(60),
                processes => $"Still running after the AppHost was killed: {Describe(processes)}");
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(data);
        }
    }

    private static string Describe(IEnumerable<(int Pid, string Command)> processes) =>
        string.Join("; ", processes.Select(p => $"{p.Pid} {p.Command}"));

    /// <summary>
    /// The AppHost's process tree: processes that inherited the marker from its environment, plus their descendants
    /// (redis-server rewrites its title over its environment, so only its parent shows the marker).
    /// </summary>
    private static List<(int Pid, string Command)> MarkedProcesses(string marker)
    {
        var needle = $"{MarkerVariable}={marker}";
        var parents = new Dictionary<int, int>();
        var marked = new HashSet<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (File.ReadAllText(Path.Combine(directory, "environ")).Split('\0').Contains(needle))
                {
                    marked.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        bool InTree(int pid)
        {
            for (var current = pid; current > 1; current = parents.GetValueOrDefault(current))
            {
                if (marked.Contains(current))
                {
                    return true;
                }
            }

            return false;
        }

        return parents.Keys.Where(InTree).Select(pid => (pid, Command(pid))).Where(p => p.Item2.Length > 0).ToList();
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
