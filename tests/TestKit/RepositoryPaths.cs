namespace AspireShop.TestKit;

public static class RepositoryPaths
{
    /// <summary>The clone's root (where AspireShop.sln is), found from the test binaries so any checkout location works.</summary>
    public static string Root { get; } = FindRoot();

    public static string NativeScripts => Path.Combine(Root, "infrastructure", "native");

    /// <summary>
    /// A fresh directory the postgres user can traverse (when tests run as root, the server runs as postgres).
    /// </summary>
    public static string CreateScratchDirectory(string purpose)
    {
        const string parent = "/var/tmp/aspireshop-tests";
        var directory = Path.Combine(parent, $"{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 13)]);
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            TrySetMode(parent, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
            TrySetMode(directory, (UnixFileMode)0b111_101_101);
        }

        return directory;
    }

    public static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A server still flushing as it exits; the next run's cleanup is not needed, names never repeat.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void TrySetMode(string path, UnixFileMode mode)
    {
        try
        {
            File.SetUnixFileMode(path, mode);
        }
        catch (UnauthorizedAccessException)
        {
            // Another user made the shared parent; it is already world-writable and sticky.
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AspireShop.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"AspireShop.sln not found above {AppContext.BaseDirectory}");
    }
}
