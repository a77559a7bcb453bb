using Microsoft.Extensions.Configuration;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>Where the Debian-packaged servers live, found once before anything starts so a missing one fails fast.</summary>
public sealed record NativeToolchain(string PostgresBinDirectory, string RedisServer)
{
    public const string InstallHint =
        "Install them with ./run.sh (which runs infrastructure/setup.sh), or: sudo apt-get update && sudo apt-get install -y postgresql redis-server. " +
        "On a machine with Docker, use containers mode instead: --Infrastructure:Mode=containers.";

    public static NativeToolchain Locate(IConfiguration configuration)
    {
        var pgBin = configuration["Infrastructure:Native:PostgresBinDirectory"] is { Length: > 0 } configuredPg
            ? configuredPg
            : FindPostgresBinDirectory();
        if (pgBin is null || !File.Exists(Path.Combine(pgBin, "postgres")) || !File.Exists(Path.Combine(pgBin, "initdb")))
        {
            throw new InfrastructureConfigurationException(
                $"Native mode needs PostgreSQL's server binaries (postgres, initdb), found none{(pgBin is null ? "" : $" in {pgBin}")}. {InstallHint}");
        }

        var redis = configuration["Infrastructure:Native:RedisServer"] is { Length: > 0 } configuredRedis
            ? configuredRedis
            : FindOnPath("redis-server") ?? (File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null);
        if (redis is null || !File.Exists(redis))
        {
            throw new InfrastructureConfigurationException($"Native mode needs redis-server, found none. {InstallHint}");
        }

        return new NativeToolchain(pgBin, redis);
    }

    private static string? FindPostgresBinDirectory()
    {
        // Debian keeps server binaries off PATH, one folder per major version; take the newest.
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(dir => (Dir: dir, Version: int.TryParse(Path.GetFileName(dir), out var v) ? v : -1))
                .Where(x => x.Version > 0 && File.Exists(Path.Combine(x.Dir, "bin", "postgres")))
                .OrderByDescending(x => x.Version)
                .Select(x => Path.Combine(x.Dir, "bin"))
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        return FindOnPath("postgres") is { } onPath ? Path.GetDirectoryName(Path.GetFullPath(ResolveLink(onPath))) : null;
    }

    private static string ResolveLink(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;

    private static string? FindOnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, executable))
            .FirstOrDefault(File.Exists);
}
