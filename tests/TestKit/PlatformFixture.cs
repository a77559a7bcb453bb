using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AspireShop.TestKit;

/// <summary>
/// The whole AppHost in native mode (real Postgres, Redis and the embedded Kafka broker), started once per test
/// collection with a throwaway data directory, and stopped without waiting for DCP's resource cleanup.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartupDeadline = TimeSpan.FromMinutes(3);

    // Two whole platforms on two cores would each miss their deadlines: collections that need one take turns.
    private static readonly SemaphoreSlim OnePlatformAtATime = new(1, 1);
    private bool _holdsTurn;

    /// <summary>A turn for a test that starts the AppHost itself (as <c>./run.sh</c> does) rather than through a fixture.</summary>
    public static async Task<IDisposable> TakeTurnAsync()
    {
        await OnePlatformAtATime.WaitAsync();
        return new Turn();
    }

    private readonly CancellationTokenSource _stopping = new();
    private readonly string _dataDirectory = RepositoryPaths.CreateScratchDirectory("platform");
    private DistributedApplication? _app;
    private bool _healthy;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform has not started.");

    public ResourceLogCapture Logs { get; private set; } = null!;

    /// <summary>Where a test arms a crash point: a file named <c>&lt;resource&gt;.&lt;point&gt;</c>, renamed <c>.hit</c> when it fired.</summary>
    public string CrashPointsDirectory => Path.Combine(_dataDirectory, "crash-points");

    /// <summary>A last say over the AppHost before it is built (the bench quiets its console, for example).</summary>
    public Action<IDistributedApplicationTestingBuilder>? Configure { get; init; }

    public async Task InitializeAsync()
    {
        await OnePlatformAtATime.WaitAsync();
        _holdsTurn = true;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            "--Infrastructure:Mode=native",
            $"--Infrastructure:DataDirectory={_dataDirectory}",
            "--DcpPublisher:WaitForResourceCleanup=false",
            // Any free ports: a developer's running shop keeps 8080 (gateway) and 5080 (storefront).
            "--Gateway:Port=0",
            "--WebApp:Port=0",
            // A crashed process is back within a second: tests crash one service at step after step.
            "--Supervisor:MaxRestartDelay=00:00:01",
        ]);

        // No dashboard runs under test, so nothing listens on the OTLP endpoint Aspire hands out; exporters retrying it
        // hold every service open for 10-15 s after it is told to stop.
        // Every process can be told to crash at a named point (CrashPoints): a test drops a file here to arm one.
        Directory.CreateDirectory(CrashPointsDirectory);
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            project.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
            {
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
                // CrashPoints.DirectoryVariable; named here because the CdcRelay links its own copy of that class.
                context.EnvironmentVariables["CrashPoints__Directory"] = CrashPointsDirectory;
            }));
        }

        Configure?.Invoke(builder);
        _app = await builder.BuildAsync();
        Logs = ResourceLogCapture.Start(_app, Path.Combine(_dataDirectory, "logs"), _stopping.Token);

        using var deadline = new CancellationTokenSource(StartupDeadline);
        await _app.StartAsync(deadline.Token);
        foreach (var resource in Resources())
        {
            if (IsStep(resource.Name))
            {
                await WaitCompletedAsync(resource.Name, deadline.Token);
            }
            else
            {
                await WaitHealthyAsync(resource.Name, deadline.Token);
            }
        }

        _healthy = true;
    }

    /// <summary>
    /// Every resource a developer sees on the dashboard: not parameters (no process, no health) and not the hidden
    /// helpers Aspire adds itself (such as project rebuilders, which never start unless asked to).
    /// </summary>
    public IReadOnlyList<IResource> Resources() =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(resource => resource is not ParameterResource)
            .Where(resource => !(App.ResourceNotifications.TryGetCurrentState(resource.Name, out var state) && state.Snapshot.IsHidden))
            .ToList();

    /// <summary>The services (projects under <c>services/</c>), so a test over all of them covers a new one by itself.</summary>
    public IReadOnlyList<string> ServiceNames() =>
        Resources().OfType<ProjectResource>()
            .Where(p => !IsStep(p.Name) && p.GetProjectMetadata().ProjectPath.Replace('\\', '/').Contains("/services/", StringComparison.Ordinal))
            .Select(p => p.Name)
            .ToList();

    /// <summary>The services behind the gateway, each with its own API document: all but the gateway and the storefront.</summary>
    public IReadOnlyList<string> ApiNames() => ServiceNames().Where(name => name is not ("gateway" or "webapp")).ToList();

    public HttpClient CreateHttpClient(string resource) => App.CreateHttpClient(resource);

    public async Task<string> GetConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string");

    /// <summary>Run-to-completion steps (database migrations) end instead of becoming healthy; the AppHost names them <c>*-migrations</c>.</summary>
    public static bool IsStep(string resource) => resource.EndsWith("-migrations", StringComparison.Ordinal);

    public async Task WaitCompletedAsync(string resource, CancellationToken cancellationToken)
    {
        try
        {
            var finished = await App.ResourceNotifications.WaitForResourceAsync(
                resource, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), cancellationToken);
            if (finished.Snapshot.ExitCode is not 0)
            {
                throw new InvalidOperationException(Describe(resource));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(Describe(resource));
        }
    }

    public async Task WaitHealthyAsync(string resource, CancellationToken cancellationToken)
    {
        try
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(Describe(resource));
        }
    }

    /// <summary>The resource's last known state and output, for failure messages.</summary>
    public string Describe(string resource)
    {
        var state = App.ResourceNotifications.TryGetCurrentState(resource, out var snapshot)
            ? $"{snapshot.Snapshot.State?.Text} / health {snapshot.Snapshot.HealthStatus}"
            : "unknown";
        return new StringBuilder()
            .AppendLine($"Resource '{resource}' is {state}. Last output:")
            .AppendLine(Logs.Recent(resource))
            .ToString();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_app is not null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _app.StopAsync(timeout.Token);
                await _app.DisposeAsync();
            }
        }
        finally
        {
            await _stopping.CancelAsync();
            _stopping.Dispose();
            if (_holdsTurn)
            {
                _holdsTurn = false;
                OnePlatformAtATime.Release();
            }

            // A platform that never became healthy keeps its resource logs for whoever investigates.
            if (_healthy)
            {
                RepositoryPaths.DeleteQuietly(_dataDirectory);
            }
        }
    }

    private sealed class Turn : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                OnePlatformAtATime.Release();
            }
        }
    }
}
