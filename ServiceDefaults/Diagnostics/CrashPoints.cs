using System.Diagnostics;

namespace AspireShop.ServiceDefaults.Diagnostics;

/// <summary>
/// Named places between two steps a crash can separate (after a commit and before its acknowledgement or reply), where a
/// test makes this process die as a SIGKILL would. A point is armed by a file <c>&lt;resource&gt;.&lt;point&gt;</c> in the
/// directory named by <c>CrashPoints__Directory</c> (only the platform tests set it) and fires once: the file is renamed
/// to <c>.hit.&lt;pid&gt;</c> first, so the restarted process runs on and the test knows which process to see replaced. Unarmed, a point is one null check.
/// </summary>
public static class CrashPoints
{
    public const string DirectoryVariable = "CrashPoints__Directory";

    private static readonly string? Armed = Environment.GetEnvironmentVariable(DirectoryVariable);

    // Aspire names every process it starts after its resource; that name is what a test arms.
    private static readonly string Resource = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? AppDomain.CurrentDomain.FriendlyName;

    public static void Hit(string point) => Hit(point, null);

    /// <summary>The point <c>&lt;point&gt;.&lt;qualifier&gt;</c>, e.g. <c>consume-after.ChargePayment</c>; formatted only when armed.</summary>
    public static void Hit(string point, string? qualifier)
    {
        if (Armed is null)
        {
            return;
        }

        var file = Path.Combine(Armed, qualifier is null ? $"{Resource}.{point}" : $"{Resource}.{point}.{qualifier}");
        if (!File.Exists(file))
        {
            return;
        }

        try
        {
            // rename(2) is atomic: of two threads at the point, one wins and dies, the other goes on.
            File.Move(file, $"{file}.hit.{Environment.ProcessId}");
        }
        catch (IOException)
        {
            return;
        }

        // SIGKILL to itself: no finally block, flush or graceful shutdown runs, as when the OOM killer strikes.
        Process.GetCurrentProcess().Kill();
    }
}
