using AspireShop.WebApp.Services;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireShop.WebApp.Extensions;

/// <summary>The buyer's clients: cart, checkout and orders, shipments of its orders.</summary>
public static class BuyerRegistration
{
    public static IServiceCollection AddBuyerClients(this IServiceCollection services)
    {
        // Checkout waits out an in-flight replay with it.
        services.TryAddSingleton(TimeProvider.System);
        services.AddGatewayClient<CartClient>();
        services.AddGatewayClient<OrderingClient>();
        services.AddGatewayClient<FulfillmentClient>();
        return services;
    }
}
