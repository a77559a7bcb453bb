using System.Reflection;
using System.Runtime.InteropServices;

namespace AspireShop.Infrastructure.EmbeddedKafka;

/// <summary>P/Invoke surface of librdkafka's (experimental) mock cluster API, see rdkafka_mock.h.</summary>
internal static partial class LibRdKafka
{
    private const string Library = "librdkafka";

    internal const int ErrNoError = 0;
    internal const int ErrTopicAlreadyExists = 36;

    private const int ProducerType = 0;
    private const int ConfOk = 0;
    private const int ErrStrSize = 512;

    static LibRdKafka()
    {
        // The package's default librdkafka.so needs libsasl2.so.3, which Debian 12 lacks; pick a loadable build ourselves.
        NativeLibrary.SetDllImportResolver(typeof(LibRdKafka).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library || !OperatingSystem.IsLinux())
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in LinuxCandidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    private static IEnumerable<string> LinuxCandidates()
    {
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string[] roots = [AppContext.BaseDirectory, Path.GetDirectoryName(typeof(LibRdKafka).Assembly.Location) ?? AppContext.BaseDirectory];
        foreach (var file in new[] { "centos8-librdkafka.so", "librdkafka.so" })
        {
            foreach (var root in roots.Distinct())
            {
                yield return Path.Combine(root, "runtimes", rid, "native", file);
                yield return Path.Combine(root, file);
            }
        }
    }

    internal static unsafe IntPtr NewProducer(IReadOnlyDictionary<string, string> settings)
    {
        var conf = rd_kafka_conf_new();
        var errstr = stackalloc byte[ErrStrSize];
        foreach (var (name, value) in settings)
        {
            if (rd_kafka_conf_set(conf, name, value, errstr, ErrStrSize) != ConfOk)
            {
                rd_kafka_conf_destroy(conf);
                throw new InvalidOperationException($"librdkafka rejected {name}={value}: {Marshal.PtrToStringUTF8((IntPtr)errstr)}");
            }
        }

        var rk = rd_kafka_new(ProducerType, conf, errstr, ErrStrSize);
        if (rk == IntPtr.Zero)
        {
            // rd_kafka_new only takes ownership of conf when it succeeds.
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"rd_kafka_new failed: {Marshal.PtrToStringUTF8((IntPtr)errstr)}");
        }

        return rk;
    }

    internal static string ErrorName(int err) => Marshal.PtrToStringUTF8(rd_kafka_err2name(err)) ?? err.ToString();

    // Returned strings stay owned by librdkafka, so they come back as pointers rather than marshalled (and freed) strings.
    internal static string ClusterBootstraps(IntPtr mcluster) =>
        Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(mcluster)) ?? string.Empty;

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library)]
    private static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static unsafe partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_err2name(int err);

    [LibraryImport(Library)]
    internal static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_cluster_destroy(IntPtr mcluster);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void rd_kafka_mock_broker_set_host_port(IntPtr mcluster, int brokerId, string host, int port);
}
