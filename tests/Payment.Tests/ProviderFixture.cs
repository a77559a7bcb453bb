using AspireShop.TestKit;

namespace AspireShop.Payment.Tests;

/// <summary>
/// One provider (and database) shared by the tests of a class that change no fault switch; each test uses its own
/// order references and idempotency keys. Tests that switch faults start a provider of their own.
/// </summary>
public sealed class ProviderFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public ProviderHost Provider { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        Provider = await ProviderHost.StartAsync(Infrastructure);
    }

    public async Task DisposeAsync() => await Provider.DisposeAsync();
}
