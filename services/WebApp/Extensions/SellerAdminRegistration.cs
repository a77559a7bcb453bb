using AspireShop.WebApp.Services;

namespace AspireShop.WebApp.Extensions;

/// <summary>The seller portal's and the admin pages' clients: Seller, Catalog and Inventory writes, Fulfillment moves, parked work.</summary>
public static class SellerAdminRegistration
{
    public static IServiceCollection AddSellerAdminClients(this IServiceCollection services)
    {
        services.AddGatewayClient<SellerPortalClient>();
        services.AddGatewayClient<SellerCatalogClient>();
        services.AddGatewayClient<SellerShipmentsClient>();
        services.AddGatewayClient<AdminClient>();
        return services;
    }
}
