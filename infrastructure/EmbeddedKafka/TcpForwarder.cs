using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AspireShop.Infrastructure.EmbeddedKafka;

/// <summary>Relays a fixed loopback port (127.0.0.1 and, where possible, [::1]) to the mock broker's random 127.0.0.1 port.</summary>
internal sealed class TcpForwarder : IDisposable
{
    private const int FreePortAttempts = 20;

    private readonly IPEndPoint _target;
    private readonly IReadOnlyList<TcpListener> _listeners;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Task[] _acceptLoops;

    private TcpForwarder(IPEndPoint target, IReadOnlyList<TcpListener> listeners)
    {
        _target = target;
        _listeners = listeners;
        Port = ((IPEndPoint)listeners[0].LocalEndpoint).Port;
        _acceptLoops = [.. listeners.Select(AcceptLoopAsync)];
    }

    public int Port { get; }

    public static TcpForwarder Start(int? port, IPEndPoint target) =>
        new(target, port is { } fixedPort ? BindFixed(fixedPort) : BindFree());

    private static List<TcpListener> BindFixed(int port)
    {
        TcpListener ipv4;
        try
        {
            ipv4 = Listen(IPAddress.Loopback, port);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InvalidOperationException($"Cannot listen on 127.0.0.1:{port} for the Kafka broker: the port is already in use.", e);
        }

        // Best effort: clients whose localhost resolves to ::1 first would otherwise pay a refused connect and a retry.
        return TryListenIPv6(port, out _) is { } ipv6 ? [ipv4, ipv6] : [ipv4];
    }

    private static List<TcpListener> BindFree()
    {
        for (var attempt = 1; ; attempt++)
        {
            var ipv4 = Listen(IPAddress.Loopback, 0);
            var port = ((IPEndPoint)ipv4.LocalEndpoint).Port;
            if (TryListenIPv6(port, out var portTaken) is { } ipv6)
            {
                return [ipv4, ipv6];
            }

            if (!portTaken || attempt == FreePortAttempts)
            {
                return [ipv4];
            }

            // The port is taken on [::1]: retry so that IPv6-first clients never reach a stranger's service.
            ipv4.Stop();
        }
    }

    private static TcpListener? TryListenIPv6(int port, out bool portTaken)
    {
        portTaken = false;
        if (!Socket.OSSupportsIPv6)
        {
            return null;
        }

        try
        {
            return Listen(IPAddress.IPv6Loopback, port);
        }
        catch (SocketException e)
        {
            portTaken = e.SocketErrorCode == SocketError.AddressAlreadyInUse;
            return null;
        }
    }

    private static TcpListener Listen(IPAddress address, int port)
    {
        var listener = new TcpListener(address, port);
        listener.Start(backlog: 128);
        return listener;
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        using var upstream = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            _sockets.TryAdd(client, 0);
            _sockets.TryAdd(upstream, 0);
            try
            {
                // Kafka requests are small and latency-bound; Nagle would add delayed-ACK stalls on every hop.
                client.NoDelay = true;
                upstream.NoDelay = true;
                _stopping.Token.ThrowIfCancellationRequested();
                await upstream.ConnectAsync(_target, _stopping.Token);
                await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // A refused or reset connection only affects that client, which reconnects on its own.
            }
            finally
            {
                _sockets.TryRemove(client, out _);
                _sockets.TryRemove(upstream, out _);
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        try
        {
            await using var source = new NetworkStream(from, ownsSocket: false);
            await using var destination = new NetworkStream(to, ownsSocket: false);
            await source.CopyToAsync(destination, _stopping.Token);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // One broken direction breaks the connection; closing both ends unblocks the opposite pump.
            from.Dispose();
            to.Dispose();
        }
    }

    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }

        foreach (var socket in _sockets.Keys)
        {
            socket.Dispose();
        }

        Task.WaitAll(_acceptLoops, TimeSpan.FromSeconds(5));
    }
}
