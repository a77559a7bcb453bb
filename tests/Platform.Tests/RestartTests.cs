using System.Globalization;
using System.Net;
using AspireShop.TestKit;
using Xunit.Abstractions;

namespace AspireShop.Platform.Tests;

/// <summary>The AppHost as <c>./run.sh</c> runs it, stopped with Ctrl+C and started again on the same data.</summary>
public sealed class RestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheFrontDoorIsPrintedKeepsItsAddressAndTokensMintedBeforeARestartStillWork()
    {
        using var turn = await PlatformFixture.TakeTurnAsync();
        var data = RepositoryPaths.CreateScratchDirectory("restart");
        var port = TestPorts.FreeFixed();
        var ready = $"AspireShop is ready at http://localhost:{port}";
        try
        {
            string token;
            using (var first = Start(data, port))
            {
                await WaitForAsync(first, ready);
                using var gateway = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}") };
                var (email, password) = await PlatformIdentity.RegisterBuyerAsync(gateway);
                token = await PlatformIdentity.PasswordTokenAsync(gateway, email, password);
                first.Interrupt();
                Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            }

            // As a developer would, start again once the first run has let go of its port and its database files.
            await Poll.UntilAsync(
                () => Task.FromResult((PortFree: IsFree(port), OnTheData: ProcessesUsing(data))),
                state => state.PortFree && state.OnTheData == 0,
                TimeSpan.FromSeconds(60),
                state => $"after the first run: gateway port free {state.PortFree}, {state.OnTheData} processes still on the data directory");

            using var second = Start(data, port);
            await WaitForAsync(second, ready);
            using var buyer = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}") };
            buyer.DefaultRequestHeaders.Authorization = new("Bearer", token);
            using var cart = await buyer.GetAsync("/api/cart");
            output.WriteLine($"GET /api/cart with a token from before the restart → {(int)cart.StatusCode}");
            Assert.True(cart.StatusCode == HttpStatusCode.OK, await cart.Content.ReadAsStringAsync());
            second.Interrupt();
            await second.WaitForExitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(data);
        }
    }

    /// <summary>Processes whose command line names the data directory (Postgres, Redis).</summary>
    private static int ProcessesUsing(string data) =>
        Directory.EnumerateDirectories("/proc").Count(directory =>
        {
            try
            {
                return int.TryParse(Path.GetFileName(directory), out _)
                    && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(data, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static AppHostProcess Start(string data, int port)
    {
        static string Url() => $"http://localhost:{TestPorts.FreeFixed().ToString(CultureInfo.InvariantCulture)}";
        return AppHostProcess.Start(
            ["--Infrastructure:Mode=native", $"--Infrastructure:DataDirectory={data}", $"--Gateway:Port={port}", "--WebApp:Port=0"],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = Url(),
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = Url(),
                ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = Url(),
            });
    }

    private static Task<string> WaitForAsync(AppHostProcess appHost, string line) =>
        Poll.UntilAsync(
            () => Task.FromResult(appHost.StandardOutput),
            stdout => stdout.Contains(line, StringComparison.Ordinal),
            TimeSpan.FromMinutes(3),
            stdout => $"'{line}' was not printed.\nstdout:\n{stdout}\nstderr:\n{appHost.StandardError}");
}
