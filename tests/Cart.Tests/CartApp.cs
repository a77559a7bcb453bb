extern alias CartApi;
using AspireShop.Cart.API.Services;
using AspireShop.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace AspireShop.Cart.Tests;

/// <summary>
/// The cart service in-process (its real Program) on the fixture's Redis under a key prefix of its own, with its
/// Catalog and Inventory clients sent to the in-process servers (a null handler leaves a client on its real network
/// address, e.g. a port nobody listens on).
/// </summary>
public sealed class CartApp : ServiceHost<CartApi::Program>
{
    private readonly Func<HttpMessageHandler>? _catalogHandler;
    private readonly Func<HttpMessageHandler>? _inventoryHandler;

    public CartApp(
        InfrastructureFixture infrastructure,
        Func<HttpMessageHandler>? catalogHandler,
        Func<HttpMessageHandler>? inventoryHandler,
        IReadOnlyDictionary<string, string?>? overrides = null)
        : this(infrastructure, InfrastructureFixture.CreateRedisKeyPrefix("cart"), catalogHandler, inventoryHandler, overrides)
    {
    }

    private CartApp(
        InfrastructureFixture infrastructure,
        string redisPrefix,
        Func<HttpMessageHandler>? catalogHandler,
        Func<HttpMessageHandler>? inventoryHandler,
        IReadOnlyDictionary<string, string?>? overrides)
        : base(
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
                ["Cart:RedisPrefix"] = redisPrefix,
                ["Cart:CatalogBaseAddress"] = "http://localhost/",
                ["Cart:InventoryBaseAddress"] = "http://localhost/",
                ["Logging:LogLevel:Default"] = "Warning",
            },
            overrides)
    {
        RedisPrefix = redisPrefix;
        RedisConnectionString = infrastructure.RedisConnectionString;
        _catalogHandler = catalogHandler;
        _inventoryHandler = inventoryHandler;
    }

    public string RedisPrefix { get; }

    public string RedisConnectionString { get; }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.UseTestServiceTokens();
        if (_catalogHandler is not null)
        {
            services.Configure<HttpClientFactoryOptions>(nameof(CatalogClient), o => o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = _catalogHandler()));
        }

        if (_inventoryHandler is not null)
        {
            services.Configure<HttpClientFactoryOptions>(nameof(InventoryClient), o => o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = _inventoryHandler()));
        }
    }
}
