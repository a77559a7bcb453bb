using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspireShop.TestKit;

/// <summary>
/// One server process started from the same native launch scripts the AppHost uses, on a free loopback port.
/// </summary>
internal sealed partial class NativeServer : IDisposable
{
    private const int SigInt = 2;
    private readonly Process _process;

    private NativeServer(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    public string Name { get; }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

    public static NativeServer Start(string name, string script, int port, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {script}");
        var server = new NativeServer(name, process, port);
        process.OutputDataReceived += (_, e) => server.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => server.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        StartWatchdog(process.Id);
        return server;
    }

    /// <summary>
    /// The test host is often ended without running exit handlers (vstest stops it; a hang dump kills it), which left
    /// servers behind. A detached shell outlives it, notices, and stops the server: fast shutdown, then a kill.
    /// </summary>
    private static void StartWatchdog(int serverPid)
    {
        var watch = $"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {serverPid} 2>/dev/null; do sleep 1; done; " +
                    $"kill -INT {serverPid} 2>/dev/null; sleep 10; kill -KILL {serverPid} 2>/dev/null";
        using var watchdog = Process.Start(new ProcessStartInfo("setsid", ["bash", "-c", watch]) { UseShellExecute = false });
    }

    private readonly Queue<string> _output = new();

    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 100)
            {
                _output.Dequeue();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (_process.HasExited)
            {
                return;
            }

            // SIGINT is Postgres's fast shutdown (SIGTERM would wait for clients); Redis treats both alike.
            _ = Kill(_process.Id, SigInt);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
