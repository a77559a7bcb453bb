using AspireShop.TestKit;

namespace AspireShop.Bench.Platform;

/// <summary>The whole platform in native mode for the length of one run, when no --target was given.</summary>
public sealed class SelfHostedPlatform(IReadOnlyDictionary<string, string>? appHostSettings = null) : IAsyncDisposable
{
    public PlatformFixture Fixture { get; } = new() { Configure = AppHostOverrides.Apply };

    /// <summary>The AppHost configuration this run adds (a scenario's needs), reported with the results.</summary>
    public IReadOnlyDictionary<string, string> AppHostSettings { get; } = appHostSettings ?? new Dictionary<string, string>();

    /// <returns>The catalog's base address.</returns>
    public async Task<Uri> StartAsync(CancellationToken cancellationToken)
    {
        // The AppHost reads these while it builds its model (inside the fixture, before any hook of ours runs), so they
        // go in as environment variables, which its configuration includes. Resources inherit them too: harmless, since
        // each service reads only its own sections.
        foreach (var (key, value) in AppHostSettings)
        {
            Environment.SetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal), value);
            Console.WriteLine($"AppHost setting {key}={value}");
        }

        Console.WriteLine("Starting the platform in native mode...");
        // On Ctrl+C the start is abandoned, not awaited: its health waits would only end at the fixture's deadline.
        await Fixture.InitializeAsync().WaitAsync(cancellationToken);

        using var catalog = Fixture.CreateHttpClient("catalog");
        var baseAddress = catalog.BaseAddress ?? throw new InvalidOperationException("The catalog has no HTTP endpoint.");
        Console.WriteLine($"Platform up; catalog at {baseAddress}");
        return baseAddress;
    }

    public async ValueTask DisposeAsync()
    {
        Console.WriteLine("Stopping the platform...");
        try
        {
            await Fixture.DisposeAsync();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"bench: stopping the platform failed: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
