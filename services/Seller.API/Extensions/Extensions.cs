using AspireShop.BuildingBlocks.Data;
using AspireShop.Ordering.Contracts;
using AspireShop.Payment.Contracts;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Events;
using AspireShop.Seller.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireShop.Seller.API.Extensions;

public static class Extensions
{
    public const string DatabaseName = "sellerdb";
    public const string KafkaName = "kafka";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddSellerDatabase();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddDefaultAuthentication();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SellerPolicies.SellerOrAdmin, policy => policy.RequireAssertion(context =>
                context.User.IsAdmin() || (context.User.IsInRole(AspireShopClaims.SellerRole) && context.User.GetSellerId() is not null)));
        builder.Services.AddBadRequestProblems();

        builder.Services.AddScoped<SellerOnboarding>();
        builder.Services.AddScoped<PayoutLedger>();

        // The payout ledger is fed by Ordering's confirmations and Payment's refunds (dead letters: dlq.<group>).
        builder.AddKafkaClients(KafkaName);
        builder.AddEventHandler<OrderEvent, OrderConfirmedHandler>(OrderConfirmedHandler.ConsumerGroup, OrderEvent.Topic);
        builder.AddEventHandler<PaymentEvent, PaymentRefundedHandler>(PaymentRefundedHandler.ConsumerGroup, PaymentEvent.Topic);

        // Hosted services start before Kestrel accepts requests: the demo sellers exist for the first one.
        builder.Services.AddSellerSeeder();
        builder.Services.AddHostedService<SeedOnStart>();
    }

    /// <summary>
    /// EF Core for the model, the migrations (which create the role and the policies) and every request, tenant-isolated
    /// as <see cref="SellerContext.TenantRole"/>; what the migrate step needs too (it works as the schema owner instead).
    /// </summary>
    public static void AddSellerDatabase(this IHostApplicationBuilder builder) =>
        builder.AddServiceDbContext<SellerContext>(DatabaseName, tenantRole: SellerContext.TenantRole);

    /// <summary>The demo sellers' seeder and its switch (<c>Seller:SeedDemoSellers</c>); the migrate step runs it too.</summary>
    public static void AddSellerSeeder(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SellerServiceOptions>().BindConfiguration(SellerServiceOptions.Section);
        services.AddScoped<SellerSeeder>();
    }

    /// <summary>
    /// Seeds at start as well as in the migrate step, as Identity does: the AppHost's environment reaches the service,
    /// not its <c>seller-migrations</c> step.
    /// </summary>
    private sealed class SeedOnStart(IServiceScopeFactory scopes) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SellerSeeder>().SeedAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

public static class SellerPolicies
{
    /// <summary>An admin, or a seller (role and seller_id claim) who then sees only its own seller.</summary>
    public const string SellerOrAdmin = "seller-or-admin";
}
