using System.Net;
using System.Net.Sockets;

namespace AspireShop.TestKit;

public static class TestPorts
{
    /// <summary>A loopback port free right now (the OS may hand it out again later; good enough for one start).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A loopback port free right now that nothing else on this machine hands out: below both Aspire's range for the
    /// ports it assigns (10000–32767) and the kernel's ephemeral range (DCP's proxies, port 0), so a platform starting
    /// next to it cannot take it between this check and the bind, as it could a port from <see cref="Free"/>.
    /// </summary>
    public static int FreeFixed()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(6000, 9999);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken; try another.
            }
        }

        throw new InvalidOperationException("No free loopback port between 6000 and 9999.");
    }
}
