namespace AspireShop.Bench.Reporting;

/// <summary>The folder holding AspireShop.sln, so results land in bench/results whatever the working directory.</summary>
public static class RepositoryRoot
{
    public static string Find() =>
        Above(Environment.CurrentDirectory) ?? Above(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"AspireShop.sln not found above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}");

    private static string? Above(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AspireShop.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
