using System.Diagnostics;
using System.Globalization;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>A resource's process and everything under it: a project runs its app under a <c>dotnet run</c> wrapper.</summary>
public static class ProcessTree
{
    public const string Kill = "KILL";
    public const string Stop = "STOP";
    public const string Continue = "CONT";

    /// <summary>The process and its descendants, parents first.</summary>
    public static List<int> Of(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(directory), out var id))
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    parents[id] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
        }

        var tree = new List<int> { pid };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        return tree;
    }

    /// <summary>Sends <paramref name="signal"/> to the whole tree, children first (so a wrapper cannot react before its app).</summary>
    public static void Signal(int pid, string signal)
    {
        var tree = Of(pid);
        if (tree.Count == 0)
        {
            return;
        }

        using var kill = Process.Start("kill", [$"-{signal}", .. Enumerable.Reverse(tree).Select(id => id.ToString(CultureInfo.InvariantCulture))]);
        kill.WaitForExit();
    }
}
