using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace AspireShop.AppHost.Infrastructure;

public enum InfrastructureMode
{
    /// <summary>Real Postgres, Redis, Kafka, Elasticsearch and Debezium images (Docker or Podman reachable).</summary>
    Containers,

    /// <summary>Debian's Postgres and Redis as executables, the embedded Kafka broker; no container resource at all.</summary>
    Native,
}

/// <summary>Bad settings or a missing engine: stops the AppHost with one message that says how to fix it.</summary>
public sealed class InfrastructureConfigurationException(string message) : Exception(message);

public static class InfrastructureModeResolver
{
    public const string SettingName = "Infrastructure:Mode";

    /// <summary>
    /// Reads <c>Infrastructure:Mode</c> (auto | containers | native). Auto picks containers only when a container
    /// engine answers, because a container resource without one waits forever instead of failing.
    /// </summary>
    public static InfrastructureMode Resolve(IConfiguration configuration, Func<bool>? containerRuntimeAvailable = null)
    {
        var value = configuration[SettingName]?.Trim();
        return value?.ToLowerInvariant() switch
        {
            null or "" or "auto" => (containerRuntimeAvailable ?? IsContainerRuntimeAvailable)() ? InfrastructureMode.Containers : InfrastructureMode.Native,
            "containers" or "container" or "docker" => InfrastructureMode.Containers,
            "native" => InfrastructureMode.Native,
            _ => throw new InfrastructureConfigurationException(
                $"{SettingName}='{value}' is not a known mode. Use 'auto' (the default), 'containers' or 'native', " +
                $"e.g. dotnet run --project AppHost -- --{SettingName}=native"),
        };
    }

    /// <summary>Publishing describes what runs in Azure: containers, whatever this machine has.</summary>
    public static InfrastructureMode ResolveForPublish(IConfiguration configuration) =>
        Resolve(configuration, containerRuntimeAvailable: () => true) == InfrastructureMode.Native
            ? throw new InfrastructureConfigurationException(
                $"{SettingName}=native cannot be published: the native stand-ins (embedded Kafka, local Postgres/Redis) exist only on a developer machine. Publish without the setting, or with containers.")
            : InfrastructureMode.Containers;

    /// <summary>Asks the engine itself: the docker CLI is installed on machines that have no engine.</summary>
    public static bool IsContainerRuntimeAvailable()
    {
        var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } configured ? configured : "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0 && process.StandardOutput.ReadToEnd().Trim().Length > 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
