using System.Net;

namespace AspireShop.Bench.Load;

/// <summary>
/// The one HttpClient every load shares: a plain SocketsHttpHandler with a connection per worker and no resilience
/// handler, because retries would hide exactly the errors a benchmark must count.
/// </summary>
public static class BenchClient
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static HttpClient Create(Uri baseAddress, int concurrency) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = WithTrailingSlash(baseAddress),
            Timeout = RequestTimeout,
        };

    /// <summary>Relative scenario paths resolve under the base address only when it ends in a slash (keeps /prefix/).</summary>
    public static Uri WithTrailingSlash(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new Uri($"{url.GetLeftPart(UriPartial.Path)}/");
}
