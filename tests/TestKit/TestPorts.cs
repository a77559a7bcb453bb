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
}
