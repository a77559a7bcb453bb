extern alias CartApi;

using System.Net.Http.Headers;
using AspireShop.Cart.API.Services;
using AspireShop.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using StackExchange.Redis;

namespace AspireShop.Cart.Tests;

/// <summary>
/// The cart service in-process (its real Program) on the fixture's Redis under a key prefix of its own, with its
/// Catalog and Inventory clients sent to the in-process servers (a null handler leaves a client on its real network
/// address, e.g. a port nobody listens on).
/// </summary>
public sealed class CartApp : WebApplicationFactory<CartApi::Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Func<HttpMessageHandler>? _catalogHandler;
    private readonly Func<HttpMessageHandler>? _inventoryHandler;

    public CartApp(
        InfrastructureFixture infrastructure,
        Func<HttpMessageHandler>? catalogHandler,
        Func<HttpMessageHandler>? inventoryHandler,
        IReadOnlyDictionary<string, string?>? overrides = null)
    {
        RedisPrefix = InfrastructureFixture.CreateRedisKeyPrefix("cart");
        RedisConnectionString = infrastructure.RedisConnectionString;
        _catalogHandler = catalogHandler;
        _inventoryHandler = inventoryHandler;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
            ["Cart:RedisPrefix"] = RedisPrefix,
            ["Cart:CatalogBaseAddress"] = "http://localhost/",
            ["Cart:InventoryBaseAddress"] = "http://localhost/",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string RedisPrefix { get; }

    public string RedisConnectionString { get; }

    public HttpClient Anonymous() => CreateClient();

    public HttpClient As(TestUser user)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Issue(user));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting reaches Program as arguments, so registration-time reads (connection strings) see it.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.UseTestTokens();
            services.UseTestServiceTokens();
            if (_catalogHandler is not null)
            {
                services.Configure<HttpClientFactoryOptions>(nameof(CatalogClient), o => o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = _catalogHandler()));
            }

            if (_inventoryHandler is not null)
            {
                services.Configure<HttpClientFactoryOptions>(nameof(InventoryClient), o => o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = _inventoryHandler()));
            }
        });
    }
}
