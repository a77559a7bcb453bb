using System.Text.Json;
using AspireShop.TestKit;

namespace AspireShop.Platform.Tests;

/// <summary>The azd deployment starts from the Aspire manifest, which describes containers mode.</summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task ManifestDescribesContainersModeWithEveryEngineAndEveryService()
    {
        var output = RepositoryPaths.CreateScratchDirectory("manifest");
        try
        {
            var path = Path.Combine(output, "aspire-manifest.json");
            // No mode given, as azd runs it: publishing picks containers even on a machine without Docker.
            using var appHost = AppHostProcess.Start(["--publisher", "manifest", "--output-path", path]);
            var exitCode = await appHost.WaitForExitAsync(TimeSpan.FromSeconds(90));
            Assert.True(exitCode == 0, $"exit {exitCode}\n{appHost.StandardOutput}\n{appHost.StandardError}");

            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            var resources = manifest.RootElement.GetProperty("resources");
            string TypeOf(string name) =>
                resources.TryGetProperty(name, out var resource) ? resource.GetProperty("type").GetString() ?? "" : "(missing)";

            Assert.StartsWith("container.", TypeOf("postgres"), StringComparison.Ordinal);
            Assert.StartsWith("container.", TypeOf("redis"), StringComparison.Ordinal);
            Assert.StartsWith("container.", TypeOf("kafka"), StringComparison.Ordinal);
            Assert.StartsWith("container.", TypeOf("elasticsearch"), StringComparison.Ordinal);
            Assert.StartsWith("container.", TypeOf("debezium"), StringComparison.Ordinal);
            Assert.Equal("value.v0", TypeOf("catalogdb"));
            Assert.Contains("wal_level=logical", resources.GetProperty("postgres").GetRawText(), StringComparison.Ordinal);
            // The gateway's h2c side door is a local optimisation; deployed, each service has its one ingress endpoint.
            Assert.Equal(["http"], resources.GetProperty("catalog").GetProperty("bindings").EnumerateObject().Select(b => b.Name));

            // Every service project under services/ is deployed (contracts are libraries), and nothing from infrastructure/ (dev stand-ins) is.
            var projects = resources.EnumerateObject()
                .Where(r => r.Value.GetProperty("type").GetString() is "project.v0" or "project.v1")
                .Select(r => Path.GetFileName(r.Value.GetProperty("path").GetString()!))
                .ToHashSet();
            var services = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "services"), "*.csproj", SearchOption.AllDirectories)
                .Select(Path.GetFileName)
                .Where(name => !name!.EndsWith(".Contracts.csproj", StringComparison.Ordinal))
                .ToHashSet();
            Assert.NotEmpty(services);
            Assert.Equal(services.Order(), projects.Order());
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(output);
        }
    }
}
